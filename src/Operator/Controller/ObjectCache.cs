using k8s;
using k8s.Models;

namespace PoolOperator.Operator.Controller;

/// <summary>
/// The thread-safe in-memory copy of one kind of object that an <see cref="Informer{T}"/> keeps
/// in step with the API. Readers get the stored instances: they are shared and must not be mutated.
/// </summary>
/// <typeparam name="T">The kind of object.</typeparam>
public sealed class ObjectCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock gate = new();
    private readonly Dictionary<ObjectKey, T> items = [];
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<ObjectKey>>> indices = new(StringComparer.Ordinal);

    // Always kept: List(namespace) and a namespace's relist must not scan every namespace.
    private readonly Dictionary<string, Dictionary<ObjectKey, T>> byNamespace = new(StringComparer.Ordinal);

    /// <summary>Number of objects held.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    /// <summary>
    /// Adds a secondary index: <paramref name="indexFunc"/> names the index values of an object, and
    /// <see cref="ByIndex"/> finds objects by value. Objects already held are indexed at once.
    /// </summary>
    public void AddIndexer(string indexName, Func<T, IEnumerable<string>> indexFunc)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        ArgumentNullException.ThrowIfNull(indexFunc);
        lock (gate)
        {
            if (!indexers.TryAdd(indexName, indexFunc))
            {
                throw new InvalidOperationException($"An index named '{indexName}' already exists.");
            }

            var index = new Dictionary<string, HashSet<ObjectKey>>(StringComparer.Ordinal);
            indices[indexName] = index;
            foreach (var (key, item) in items)
            {
                foreach (var value in indexFunc(item))
                {
                    Index(index, value, key);
                }
            }
        }
    }

    /// <summary>The object with this key, or null.</summary>
    public T? Get(ObjectKey key)
    {
        lock (gate)
        {
            return items.GetValueOrDefault(key);
        }
    }

    /// <summary>Every object, or every object of one namespace.</summary>
    public IReadOnlyList<T> List(string? namespaceName = null)
    {
        lock (gate)
        {
            if (namespaceName is null)
            {
                return [.. items.Values];
            }

            return byNamespace.TryGetValue(namespaceName, out var inNamespace) ? [.. inNamespace.Values] : [];
        }
    }

    /// <summary>The objects whose index <paramref name="indexName"/> holds <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (gate)
        {
            if (!indices.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"No index named '{indexName}'.", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(key => items[key])] : [];
        }
    }

    /// <summary>
    /// Stores <paramref name="obj"/> unless a newer version is held (the operator writes its own
    /// results through, and a watch event of an older version must not undo them).
    /// </summary>
    /// <returns>The object replaced, and whether <paramref name="obj"/> was stored.</returns>
    internal (T? Old, bool Stored) Upsert(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (gate)
        {
            var old = items.GetValueOrDefault(key);
            if (old is not null && ResourceVersions.IsOlder(obj.Metadata.ResourceVersion, old.Metadata.ResourceVersion))
            {
                return (old, false);
            }

            UpsertLocked(key, obj);
            return (old, true);
        }
    }

    /// <summary>Removes the object with this key, returning it.</summary>
    internal T? Remove(ObjectKey key)
    {
        lock (gate)
        {
            return RemoveLocked(key);
        }
    }

    /// <summary>
    /// Replaces the objects of one namespace (or all, for null) with a fresh list, as after a relist,
    /// and returns what changed as (old, new) pairs: (null, x) added, (x, y) changed, (x, null) deleted.
    /// </summary>
    /// <remarks>Objects held at a version newer than the list (written through after it) are kept.</remarks>
    internal IReadOnlyList<(T? Old, T? New)> Replace(string? namespaceName, IEnumerable<T> fresh, string listResourceVersion)
    {
        var changes = new List<(T? Old, T? New)>();
        lock (gate)
        {
            var seen = new HashSet<ObjectKey>();
            foreach (var obj in fresh)
            {
                var key = ObjectKey.Of(obj);
                seen.Add(key);
                var old = items.GetValueOrDefault(key);
                if (old is null
                    || (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion
                        && !ResourceVersions.IsOlder(obj.Metadata.ResourceVersion, old.Metadata.ResourceVersion)))
                {
                    UpsertLocked(key, obj);
                    changes.Add((old, obj));
                }
            }

            IEnumerable<ObjectKey> scope = namespaceName is null
                ? items.Keys
                : byNamespace.TryGetValue(namespaceName, out var inNamespace) ? inNamespace.Keys : [];
            var gone = scope
                .Where(key => !seen.Contains(key)
                    && !ResourceVersions.IsOlder(listResourceVersion, items[key].Metadata.ResourceVersion))
                .ToList();
            foreach (var key in gone)
            {
                changes.Add((RemoveLocked(key), null));
            }
        }

        return changes;
    }

    private void UpsertLocked(ObjectKey key, T obj)
    {
        RemoveLocked(key);
        items[key] = obj;
        if (!byNamespace.TryGetValue(key.Namespace, out var inNamespace))
        {
            inNamespace = [];
            byNamespace[key.Namespace] = inNamespace;
        }

        inNamespace[key] = obj;
        foreach (var (name, indexFunc) in indexers)
        {
            foreach (var value in indexFunc(obj))
            {
                Index(indices[name], value, key);
            }
        }
    }

    private T? RemoveLocked(ObjectKey key)
    {
        if (!items.Remove(key, out var old))
        {
            return null;
        }

        if (byNamespace.TryGetValue(key.Namespace, out var inNamespace) && inNamespace.Remove(key) && inNamespace.Count == 0)
        {
            byNamespace.Remove(key.Namespace);
        }

        foreach (var (name, indexFunc) in indexers)
        {
            var index = indices[name];
            foreach (var value in indexFunc(old))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }

        return old;
    }

    private static void Index(Dictionary<string, HashSet<ObjectKey>> index, string value, ObjectKey key)
    {
        if (!index.TryGetValue(value, out var keys))
        {
            keys = [];
            index[value] = keys;
        }

        keys.Add(key);
    }
}

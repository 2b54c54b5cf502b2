using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Storage;

/// <summary>
/// The cluster's state: every object by resource, namespace and name, one global resourceVersion counter,
/// a bounded history of changes for watches to resume from, and the live watches.
/// </summary>
/// <remarks>
/// One lock guards everything (it is reentrant, so callers may hold it across a read-modify-write).
/// Stored objects are never mutated after they are stored: writers store a fresh tree and readers
/// get copies, so a watch can render a change long after it happened.
/// </remarks>
internal sealed class ObjectStore
{
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<HistoryEntry> _history = new();
    private readonly List<WatchSubscription> _watches = [];
    private readonly int _historyLimit;
    private long _resourceVersion;
    private long _compactedThrough;

    public ObjectStore(int historyLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyLimit, 1);
        _historyLimit = historyLimit;
    }

    /// <summary>The lock every read-modify-write holds.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The newest resourceVersion handed out.</summary>
    public long CurrentResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>The stored object, or null. The caller must not mutate it.</summary>
    public JsonObject? Get(string storageKey, string? ns, string name)
    {
        lock (Gate)
        {
            return _objects.TryGetValue(storageKey, out var byKey) && byKey.TryGetValue(Key(ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>Stored objects of one resource, optionally in one namespace, ordered by namespace and name.</summary>
    public List<JsonObject> List(string storageKey, string? ns = null)
    {
        lock (Gate)
        {
            if (!_objects.TryGetValue(storageKey, out var byKey))
            {
                return [];
            }

            return ns is null ? byKey.Values.ToList() : byKey.Values.Where(o => o.Namespace() == ns).ToList();
        }
    }

    /// <summary>Every stored object with its resource.</summary>
    public List<(string StorageKey, JsonObject Object)> All()
    {
        lock (Gate)
        {
            return _objects.SelectMany(p => p.Value.Values.Select(o => (p.Key, o))).ToList();
        }
    }

    /// <summary>
    /// Stores a new or changed object under the next resourceVersion and tells the watches.
    /// The store takes ownership of <paramref name="obj"/>.
    /// </summary>
    public JsonObject Put(string storageKey, JsonObject obj)
    {
        lock (Gate)
        {
            obj = JsonNodes.Normalize(obj);
            var rv = ++_resourceVersion;
            obj.Metadata()["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            if (!_objects.TryGetValue(storageKey, out var byKey))
            {
                byKey = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                _objects[storageKey] = byKey;
            }

            var key = Key(obj.Namespace(), obj.Name());
            byKey.TryGetValue(key, out var previous);
            byKey[key] = obj;
            Record(new StoredEvent(rv, storageKey, previous is null ? "ADDED" : "MODIFIED", obj, previous));
            return obj;
        }
    }

    /// <summary>Removes an object, recording a DELETED change that carries a new resourceVersion.</summary>
    public JsonObject? Remove(string storageKey, string? ns, string name)
    {
        lock (Gate)
        {
            if (!_objects.TryGetValue(storageKey, out var byKey) || !byKey.Remove(Key(ns, name), out var previous))
            {
                return null;
            }

            var rv = ++_resourceVersion;
            var final = previous.CloneObject();
            final.Metadata()["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Record(new StoredEvent(rv, storageKey, "DELETED", final, previous));
            return final;
        }
    }

    /// <summary>
    /// Starts a watch. Without a resourceVersion (or with "0") the current matching objects arrive
    /// first as ADDED; with one, every retained change after it is replayed. Returns false when the
    /// version is older than the retained history (the caller answers 410 Expired).
    /// </summary>
    public bool TrySubscribe(WatchSubscription watch, long? fromResourceVersion)
    {
        lock (Gate)
        {
            if (fromResourceVersion is not { } from || from == 0)
            {
                if (_objects.TryGetValue(watch.StorageKey, out var byKey))
                {
                    foreach (var obj in byKey.Values.Where(watch.Filter))
                    {
                        watch.Enqueue("ADDED", watch.Render(obj));
                    }
                }
            }
            else
            {
                if (from < _compactedThrough)
                {
                    return false;
                }

                foreach (var entry in _history)
                {
                    if (entry.ResourceVersion > from && entry.StorageKey == watch.StorageKey)
                    {
                        watch.Deliver(entry.Expand());
                    }
                }
            }

            _watches.Add(watch);
            return true;
        }
    }

    /// <summary>Stops delivering to a watch.</summary>
    public void Unsubscribe(WatchSubscription watch)
    {
        lock (Gate)
        {
            _watches.Remove(watch);
        }

        watch.Complete();
    }

    /// <summary>
    /// Queues a BOOKMARK carrying the current resourceVersion. Under the lock, every change up to
    /// that version is already queued for the watch, so resuming from the bookmark misses nothing.
    /// </summary>
    public void Bookmark(WatchSubscription watch, string apiVersion, string kind)
    {
        lock (Gate)
        {
            var marker = new JsonObject
            {
                ["kind"] = kind,
                ["apiVersion"] = apiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
            };
            watch.Enqueue("BOOKMARK", marker);
        }
    }

    /// <summary>Ends every watch (server shutdown).</summary>
    public void CompleteAllWatches()
    {
        lock (Gate)
        {
            foreach (var watch in _watches)
            {
                watch.Complete();
            }

            _watches.Clear();
        }
    }

    private void Record(StoredEvent change)
    {
        _history.AddLast(HistoryEntry.Of(change));
        while (_history.Count > _historyLimit)
        {
            _compactedThrough = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        foreach (var watch in _watches)
        {
            watch.Deliver(change);
        }
    }

    private static string Key(string? ns, string name) => (ns ?? "") + "/" + name;

    /// <summary>
    /// A change as the history keeps it for watches that resume: the object as UTF-8 JSON (an
    /// 8 KB pod is 8 KB here, against several times that as a node tree) and of the previous state
    /// only what a watch's filter reads. Without this the history holds every replaced version of
    /// every object whole: gigabytes at 10,000 pods.
    /// </summary>
    private sealed record HistoryEntry(long ResourceVersion, string StorageKey, string Type, byte[] Object, byte[]? Previous)
    {
        public static HistoryEntry Of(StoredEvent change) =>
            new(change.ResourceVersion, change.StorageKey, change.Type, JsonNodes.ToUtf8(change.Object), change.Previous is null ? null : JsonNodes.ToUtf8(FilterView(change.Previous)));

        public StoredEvent Expand() =>
            new(ResourceVersion, StorageKey, Type, Parse(Object), Previous is null ? null : Parse(Previous));

        private static JsonObject Parse(byte[] utf8) => JsonNode.Parse(utf8)!.AsObject();

        /// <summary>
        /// What label and field selectors can read of an object: metadata without annotations and
        /// managedFields, top-level values, and of nested objects (spec, status, involvedObject,
        /// regarding, ...) their plain values only (spec.nodeName, status.phase, involvedObject.name).
        /// </summary>
        private static JsonObject FilterView(JsonObject obj)
        {
            var view = new JsonObject();
            foreach (var (name, value) in obj)
            {
                switch (value)
                {
                    case JsonObject metadata when name == "metadata":
                        var meta = new JsonObject();
                        foreach (var (field, item) in metadata)
                        {
                            if (field is not ("annotations" or "managedFields"))
                            {
                                meta[field] = item?.DeepClone();
                            }
                        }

                        view[name] = meta;
                        break;
                    case JsonObject nested:
                        var plain = new JsonObject();
                        foreach (var (field, item) in nested)
                        {
                            if (item is JsonValue)
                            {
                                plain[field] = item.DeepClone();
                            }
                        }

                        view[name] = plain;
                        break;
                    case JsonArray:
                        break;
                    default:
                        view[name] = value?.DeepClone();
                        break;
                }
            }

            return view;
        }
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Storage;

/// <summary>
/// The cluster's state: every object by resource, namespace and name, one global resourceVersion counter,
/// a bounded history of changes for watches to resume from, the live watches, and the indexes the
/// lifecycle asks of every write (live uids, dependents by owner uid, objects per namespace, objects
/// being deleted), so that no write scans the whole store.
/// </summary>
/// <remarks>
/// One lock guards everything (it is reentrant, so callers may hold it across a read-modify-write).
/// Objects are kept as <see cref="StoredObject"/>s: UTF-8 JSON, never changed once stored. Readers
/// get private trees parsed from them (<see cref="Get"/>), or the stored bytes themselves where they
/// only send them on (lists, watches).
/// </remarks>
internal sealed class ObjectStore
{
    private readonly Dictionary<string, SortedDictionary<string, StoredObject>> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<StoredEvent> _history = new();
    private readonly List<WatchSubscription> _watches = [];
    private readonly HashSet<string> _liveUids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(string StorageKey, string Key)>> _dependents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _namespaceMembers = new(StringComparer.Ordinal);
    private readonly HashSet<(string StorageKey, string Key)> _deleting = [];
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

    /// <summary>The stored object as a private tree (the caller may change it), or null.</summary>
    public JsonObject? Get(string storageKey, string? ns, string name) => Find(storageKey, ns, name)?.Parse();

    /// <summary>The stored object as stored, or null.</summary>
    public StoredObject? Find(string storageKey, string? ns, string name)
    {
        lock (Gate)
        {
            return _objects.TryGetValue(storageKey, out var byKey) && byKey.TryGetValue(StoredObject.StoreKey(ns, name), out var obj) ? obj : null;
        }
    }

    /// <summary>Whether the object exists.</summary>
    public bool Contains(string storageKey, string? ns, string name) => Find(storageKey, ns, name) is not null;

    /// <summary>Stored objects of one resource, optionally in one namespace, ordered by namespace and name, as private trees.</summary>
    public List<JsonObject> List(string storageKey, string? ns = null) => Entries(storageKey, ns).Select(o => o.Parse()).ToList();

    /// <summary>Stored objects of one resource, optionally in one namespace, ordered by namespace and name, as stored.</summary>
    public List<StoredObject> Entries(string storageKey, string? ns = null)
    {
        lock (Gate)
        {
            if (!_objects.TryGetValue(storageKey, out var byKey))
            {
                return [];
            }

            return ns is null ? byKey.Values.ToList() : byKey.Values.Where(o => o.Namespace == ns).ToList();
        }
    }

    /// <summary>Every object in a namespace, with its resource.</summary>
    public List<(string StorageKey, StoredObject Object)> InNamespace(string ns)
    {
        lock (Gate)
        {
            return _objects.SelectMany(p => p.Value.Values.Where(o => o.Namespace == ns).Select(o => (p.Key, o))).ToList();
        }
    }

    /// <summary>Whether any object lives in the namespace.</summary>
    public bool HasObjectsIn(string ns)
    {
        lock (Gate)
        {
            return _namespaceMembers.GetValueOrDefault(ns) > 0;
        }
    }

    /// <summary>Whether some stored object has this uid.</summary>
    public bool IsLive(string uid)
    {
        lock (Gate)
        {
            return _liveUids.Contains(uid);
        }
    }

    /// <summary>The objects whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public List<(string StorageKey, StoredObject Object)> Dependents(string ownerUid)
    {
        lock (Gate)
        {
            return _dependents.TryGetValue(ownerUid, out var keys) ? Resolve(keys) : [];
        }
    }

    /// <summary>The objects whose deletionTimestamp is set.</summary>
    public List<(string StorageKey, StoredObject Object)> Deleting()
    {
        lock (Gate)
        {
            return Resolve(_deleting);
        }
    }

    /// <summary>
    /// Stores a new or changed object under the next resourceVersion and tells the watches.
    /// The store takes ownership of <paramref name="obj"/>; the answer is a private tree of what was stored.
    /// </summary>
    public JsonObject Put(string storageKey, JsonObject obj)
    {
        lock (Gate)
        {
            var rv = ++_resourceVersion;
            obj.Metadata()["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var stored = StoredObject.From(obj);
            if (!_objects.TryGetValue(storageKey, out var byKey))
            {
                byKey = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
                _objects[storageKey] = byKey;
            }

            var key = stored.Key;
            byKey.TryGetValue(key, out var previous);
            byKey[key] = stored;
            Unindex(storageKey, previous);
            Index(storageKey, stored);
            Record(new StoredEvent(rv, storageKey, previous is null ? "ADDED" : "MODIFIED", stored, previous?.View));

            // Parsed back from the bytes, so that every value is backed the same way as in any stored object.
            return stored.Parse();
        }
    }

    /// <summary>Removes an object, recording a DELETED change that carries a new resourceVersion; answers its final state.</summary>
    public JsonObject? Remove(string storageKey, string? ns, string name)
    {
        lock (Gate)
        {
            if (!_objects.TryGetValue(storageKey, out var byKey) || !byKey.Remove(StoredObject.StoreKey(ns, name), out var previous))
            {
                return null;
            }

            Unindex(storageKey, previous);
            var rv = ++_resourceVersion;
            var final = previous.WithResourceVersion(rv);
            Record(new StoredEvent(rv, storageKey, "DELETED", final, previous.View));
            return final.Parse();
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
                    foreach (var obj in byKey.Values.Where(o => watch.Filter(o.Namespace, o.View)))
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
                        watch.Deliver(entry);
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
            watch.Enqueue("BOOKMARK", JsonNodes.ToUtf8(marker));
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

    /// <summary>
    /// Keeps the change for watches that resume and tells the live ones. The history holds the
    /// stored object itself (shared with the store while it is current) and of the previous state
    /// only its selector view: not every replaced version of every object, whole, as a tree.
    /// </summary>
    private void Record(StoredEvent change)
    {
        _history.AddLast(change);
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

    private void Index(string storageKey, StoredObject obj)
    {
        if (obj.Uid is { } uid)
        {
            _liveUids.Add(uid);
        }

        foreach (var owner in obj.OwnerUids)
        {
            if (!_dependents.TryGetValue(owner, out var keys))
            {
                keys = [];
                _dependents[owner] = keys;
            }

            keys.Add((storageKey, obj.Key));
        }

        if (obj.Namespace is { } ns)
        {
            _namespaceMembers[ns] = _namespaceMembers.GetValueOrDefault(ns) + 1;
        }

        if (obj.Deleting)
        {
            _deleting.Add((storageKey, obj.Key));
        }
    }

    private void Unindex(string storageKey, StoredObject? obj)
    {
        if (obj is null)
        {
            return;
        }

        if (obj.Uid is { } uid)
        {
            _liveUids.Remove(uid);
        }

        foreach (var owner in obj.OwnerUids)
        {
            if (_dependents.TryGetValue(owner, out var keys) && keys.Remove((storageKey, obj.Key)) && keys.Count == 0)
            {
                _dependents.Remove(owner);
            }
        }

        if (obj.Namespace is { } ns && _namespaceMembers.TryGetValue(ns, out var count))
        {
            if (count <= 1)
            {
                _namespaceMembers.Remove(ns);
            }
            else
            {
                _namespaceMembers[ns] = count - 1;
            }
        }

        _deleting.Remove((storageKey, obj.Key));
    }

    private List<(string StorageKey, StoredObject Object)> Resolve(IEnumerable<(string StorageKey, string Key)> keys)
    {
        var found = new List<(string, StoredObject)>();
        foreach (var (storageKey, key) in keys)
        {
            if (_objects.TryGetValue(storageKey, out var byKey) && byKey.TryGetValue(key, out var obj))
            {
                found.Add((storageKey, obj));
            }
        }

        // In the order of a scan of the store (resource, then namespace/name), so deletions happen in a stable order.
        return found.OrderBy(f => f.Item1, StringComparer.Ordinal).ThenBy(f => f.Item2.Key, StringComparer.Ordinal).ToList();
    }
}

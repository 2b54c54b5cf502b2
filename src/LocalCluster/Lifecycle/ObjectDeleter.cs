using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// Deletion with the real server's stages: finalizers hold an object (deletionTimestamp set) until they
/// are removed; a pod deleted with a grace period stays Terminating until the period ends (or a delete
/// with gracePeriodSeconds=0); a namespace goes away once its contents have. Garbage collection is
/// asynchronous, as the real collector is: removing an owner schedules its dependents, and after the
/// collection delay (seen on a sweep) each is deleted if it still exists with the same UID and every owner
/// it names is dangling by a live lookup (the real GC's <c>isDangling</c>). Foreground propagation holds the
/// owner with a <c>foregroundDeletion</c> finalizer until the collector has deleted its dependents.
/// </summary>
internal sealed class ObjectDeleter
{
    private const long DefaultPodGraceSeconds = 30;
    private const string ForegroundFinalizer = "foregroundDeletion";
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly Admission _admission;
    private readonly TimeProvider _time;
    private readonly TimeSpan _collectionDelay;
    private readonly List<PendingCollection> _pending = []; // guarded by _store.Gate

    public ObjectDeleter(ObjectStore store, ResourceRegistry registry, Admission admission, TimeProvider time, TimeSpan collectionDelay)
    {
        _collectionDelay = collectionDelay;
        _store = store;
        _registry = registry;
        _admission = admission;
        _time = time;
    }

    /// <summary>DELETE of one object. Answers the object: removed, or marked for deletion.</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteRequest request)
    {
        lock (_store.Gate)
        {
            var current = _store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
            if (request.PreconditionUid is { Length: > 0 } uid && uid != current.Uid())
            {
                throw ApiException.Conflict(type.Group, type.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid()}");
            }

            if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != current.ResourceVersion())
            {
                throw ApiException.Conflict(type.Group, type.Plural, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.ResourceVersion()}");
            }

            if (request.DryRun)
            {
                return ObjectWriter.Render(type, current);
            }

            if (request.PropagationPolicy == "Orphan")
            {
                Orphan(current);
            }

            var grace = GracePeriod(type, current, request);
            var alreadyDeleting = current.Metadata()["deletionTimestamp"] is not null;
            var foreground = request.PropagationPolicy == "Foreground" && !alreadyDeleting && Dependents(current.Uid()).Count > 0;
            if (current.Finalizers().Count == 0 && !foreground && (grace == 0 || !IsPod(type)) && !IsNamespace(type))
            {
                return ObjectWriter.Render(type, Remove(type, current));
            }

            if (alreadyDeleting && !(grace == 0 && IsPod(type)))
            {
                if (IsNamespace(type))
                {
                    RemoveIfFinalized(type, current);
                }

                return ObjectWriter.Render(type, current);
            }

            var marked = current.CloneObject();
            var meta = marked.Metadata();
            var now = _time.GetUtcNow();
            meta["deletionTimestamp"] = JsonNodes.Timestamp(IsPod(type) ? now.AddSeconds(grace) : now);
            meta["deletionGracePeriodSeconds"] = IsPod(type) ? grace : 0;
            if (IsNamespace(type))
            {
                marked["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            if (foreground)
            {
                // The owner waits, held by this finalizer, until its dependents are gone.
                var finalizers = marked.Metadata()["finalizers"] as JsonArray ?? [];
                finalizers.Add(ForegroundFinalizer);
                marked.Metadata()["finalizers"] = finalizers;
            }

            var stored = _store.Put(type.StorageKey, marked);
            if (foreground)
            {
                foreach (var (key, dependent) in Dependents(current.Uid()))
                {
                    Schedule(key, dependent, foreground: true);
                }
            }
            if (IsNamespace(type))
            {
                DeleteNamespaceContents(current.Name());
            }

            RemoveIfFinalized(type, stored);
            return ObjectWriter.Render(type, _store.Get(type.StorageKey, ns, name) ?? stored);
        }
    }

    /// <summary>
    /// Removes an object marked for deletion once nothing holds it: no finalizers, the pod's grace
    /// period over, the namespace empty. Called after every write and by the periodic sweep.
    /// </summary>
    public void RemoveIfFinalized(ResourceType type, JsonObject stored)
    {
        lock (_store.Gate)
        {
            // Most writes are of objects nobody is deleting: those are answered from the index, unparsed.
            if (_store.Find(type.StorageKey, stored.Namespace(), stored.Name()) is not { Deleting: true } fresh || fresh.Uid != stored.Uid())
            {
                return;
            }

            stored = fresh.Parse();
            var deletion = JsonNodes.ParseTimestamp(stored.Metadata().GetString("deletionTimestamp"));
            var finalizers = stored.Finalizers();
            if (finalizers.Contains(ForegroundFinalizer) && Dependents(stored.Uid()).Count == 0)
            {
                finalizers.Remove(ForegroundFinalizer);
            }

            if (deletion is null || finalizers.Count > 0)
            {
                return;
            }

            if (IsPod(type) && deletion > _time.GetUtcNow())
            {
                return;
            }

            if (IsNamespace(type) && _store.HasObjectsIn(stored.Name()))
            {
                return;
            }

            Remove(type, stored);
        }
    }

    /// <summary>
    /// Schedules a new object whose owners are all gone already for collection, as the garbage collector
    /// collects a dependent a controller created for an owner that was just deleted.
    /// </summary>
    public void CollectIfOrphaned(ResourceType type, JsonObject stored)
    {
        lock (_store.Gate)
        {
            var owners = OwnerUids(stored);
            if (owners.Count > 0 && !owners.Any(_store.IsLive))
            {
                Schedule(type.StorageKey, stored, foreground: false);
            }
        }
    }

    /// <summary>Finishes every deletion whose time has come (pod grace periods, emptied namespaces) and collects due dependents.</summary>
    public void Sweep()
    {
        lock (_store.Gate)
        {
            CollectDue();
            foreach (var (key, obj) in _store.Deleting())
            {
                if (_registry.FindByStorageKey(key) is { } type)
                {
                    RemoveIfFinalized(type, obj.Parse());
                }
            }
        }
    }

    private JsonObject Remove(ResourceType type, JsonObject current)
    {
        if (_store.Remove(type.StorageKey, current.Namespace(), current.Name()) is not { } removed)
        {
            return current;
        }

        _admission.AfterRemove(type, removed);
        foreach (var (key, dependent) in Dependents(removed.Uid()))
        {
            Schedule(key, dependent, foreground: false);
        }

        return removed;
    }

    private void Schedule(string key, JsonObject dependent, bool foreground) =>
        _pending.Add(new PendingCollection(_time.GetUtcNow() + _collectionDelay, key, dependent.Namespace(), dependent.Name(), dependent.Uid() ?? "", foreground));

    /// <summary>
    /// Deletes (as a client would, background propagation) each due dependent that still exists with the UID it
    /// was scheduled with, is not being deleted, and whose owners are all dangling now (or, for a foreground
    /// deletion, whose owner is waiting for it).
    /// </summary>
    private void CollectDue()
    {
        var now = _time.GetUtcNow();
        var due = _pending.Where(p => p.Due <= now).ToList();
        if (due.Count == 0)
        {
            return;
        }

        _pending.RemoveAll(p => p.Due <= now);
        foreach (var pending in due)
        {
            if (_store.Find(pending.StorageKey, pending.Namespace, pending.Name) is not { } current || current.Uid != pending.Uid
                || current.Deleting || _registry.FindByStorageKey(pending.StorageKey) is not { } type)
            {
                continue;
            }

            if (pending.Foreground || !current.OwnerUids.Any(_store.IsLive))
            {
                Delete(type, pending.Namespace, pending.Name, new DeleteRequest());
            }
        }
    }

    private List<(string Key, JsonObject Object)> Dependents(string? ownerUid) =>
        string.IsNullOrEmpty(ownerUid) ? [] : _store.Dependents(ownerUid).Select(e => (e.StorageKey, e.Object.Parse())).ToList();

    private void Orphan(JsonObject owner)
    {
        var uid = owner.Uid();
        // The index names exactly the dependents, each parsed into a private tree: changed and stored as it is.
        foreach (var (key, obj) in Dependents(uid))
        {
            if (obj.Metadata()["ownerReferences"] is JsonArray refs)
            {
                obj.Metadata()["ownerReferences"] = new JsonArray(refs.Where(r => r?["uid"]?.GetValue<string>() != uid).Select(r => r!.DeepClone()).ToArray());
                _store.Put(key, obj);
            }
        }
    }

    private void DeleteNamespaceContents(string ns)
    {
        foreach (var (key, obj) in _store.InNamespace(ns))
        {
            if (_registry.FindByStorageKey(key) is { } type && _store.Contains(key, ns, obj.Name))
            {
                Delete(type, ns, obj.Name, new DeleteRequest { GracePeriodSeconds = 0 });
            }
        }
    }

    private static HashSet<string> OwnerUids(JsonObject obj) =>
        obj.Metadata()["ownerReferences"] is JsonArray refs
            ? refs.Select(r => (r as JsonObject).GetString("uid")).Where(u => u is not null).Select(u => u!).ToHashSet(StringComparer.Ordinal)
            : [];

    private static long GracePeriod(ResourceType type, JsonObject current, DeleteRequest request)
    {
        if (!IsPod(type))
        {
            return 0;
        }

        if (JsonNodes.ScalarText(current.At("status", "phase")) is "Succeeded" or "Failed")
        {
            return 0;
        }

        if (request.GracePeriodSeconds is { } requested)
        {
            return Math.Max(0, requested);
        }

        return JsonNodes.Int64(current.At("spec", "terminationGracePeriodSeconds")) ?? DefaultPodGraceSeconds;
    }

    private static bool IsPod(ResourceType type) => type.Group.Length == 0 && type.Plural == "pods";

    private static bool IsNamespace(ResourceType type) => type.Group.Length == 0 && type.Plural == "namespaces";

    private sealed record PendingCollection(DateTimeOffset Due, string StorageKey, string? Namespace, string Name, string Uid, bool Foreground);
}

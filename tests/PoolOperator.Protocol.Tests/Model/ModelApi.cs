namespace PoolOperator.Protocol.Tests.Model;

/// <summary>A pod as the model API stores it.</summary>
/// <param name="Uid">Its identity.</param>
/// <param name="Name">Its name (reused by a recreated pod).</param>
/// <param name="InWorkload">Matched by the budget's workload selector (false once relabelled out).</param>
/// <param name="Running">Running, else Pending.</param>
/// <param name="Deleting">Has a deletionTimestamp.</param>
/// <param name="Rv">resourceVersion of its last write.</param>
public sealed record PodRec(string Uid, string Name, bool InWorkload, bool Running, bool Deleting, long Rv);

/// <summary>An agent's acknowledgement as stored in a grant's status.</summary>
public sealed record StatusRec(string Phase, int Applied, long ObservedGeneration);

/// <summary>A grant as the model API stores it.</summary>
public sealed record GrantRec(
    string Name,
    string ObjectUid,
    string PodUid,
    string PodName,
    int Limit,
    int? Hold,
    long Generation,
    StatusRec? Status,
    string? Term,
    long Rv,
    bool Finalizer = true,
    bool Marked = false);

/// <summary>The API's objects at one resourceVersion.</summary>
/// <param name="Stopped">
/// UIDs of pods removed by their kubelet after their processes ended (a watch shows their terminal phase); a
/// force-deleted pod is never among them.
/// </param>
public sealed record ApiState(long Rv, IReadOnlyDictionary<string, PodRec> Pods, IReadOnlyDictionary<string, GrantRec> Grants, int DesiredReplicas, IReadOnlySet<string> Stopped);

/// <summary>Copy-on-write helpers: a state is never changed once stored (the history serves stale reads).</summary>
internal static class Dictionaries
{
    public static IReadOnlyDictionary<string, T> With<T>(this IReadOnlyDictionary<string, T> source, string key, T value) =>
        new Dictionary<string, T>(source, StringComparer.Ordinal) { [key] = value };

    public static IReadOnlyDictionary<string, T> Without<T>(this IReadOnlyDictionary<string, T> source, string key)
    {
        var copy = new Dictionary<string, T>(source, StringComparer.Ordinal);
        copy.Remove(key);
        return copy;
    }
}

/// <summary>The result of a write: landed, refused as stale (409), or not found (404).</summary>
public enum WriteResult
{
    /// <summary>Written.</summary>
    Landed,

    /// <summary>409: the precondition failed or the name is taken.</summary>
    Conflict,

    /// <summary>404.</summary>
    NotFound,
}

/// <summary>
/// A model of the Kubernetes API for one namespace and one budget: resourceVersions, generations (bumped on spec
/// changes only), merge patches with a resourceVersion precondition, deletes with uid and resourceVersion
/// preconditions, and the full history of states, from which stale lists and delayed watches are served.
/// </summary>
public sealed class ModelApi
{
    private readonly List<ApiState> history = [];
    private readonly bool finalizers;
    private long objectUids;

    /// <summary>Creates an empty API.</summary>
    /// <param name="finalizers">Whether grants are created with the operator's hold finalizer (false: the design without it, for the checker's test).</param>
    public ModelApi(bool finalizers = true)
    {
        this.finalizers = finalizers;
        history.Add(new ApiState(0, new Dictionary<string, PodRec>(StringComparer.Ordinal), new Dictionary<string, GrantRec>(StringComparer.Ordinal), 0, new HashSet<string>(StringComparer.Ordinal)));
    }

    /// <summary>The current state.</summary>
    public ApiState Now => history[^1];

    /// <summary>Every state so far, oldest first.</summary>
    public IReadOnlyList<ApiState> History => history;

    /// <summary>The state at resourceVersion <paramref name="rv"/> (the newest not after it).</summary>
    public ApiState At(long rv)
    {
        var lo = 0;
        var hi = history.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (history[mid].Rv <= rv)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return history[lo];
    }

    /// <summary>The last known usable connections the operator kept in the budget status.</summary>
    public int? LastKnownUsable { get; set; }

    /// <summary>Creates or replaces a pod (the cluster's side).</summary>
    public void PutPod(PodRec pod) => Commit(s => s with { Pods = s.Pods.With(pod.Name, pod with { Rv = s.Rv + 1 }) });

    /// <summary>Removes a pod object.</summary>
    /// <param name="name">The pod.</param>
    /// <param name="stopped">True when its kubelet removes it after its processes ended; false for a force delete.</param>
    public void RemovePod(string name, bool stopped) => Commit(s => s with
    {
        Pods = s.Pods.Without(name),
        Stopped = stopped && s.Pods.TryGetValue(name, out var pod) ? new HashSet<string>(s.Stopped, StringComparer.Ordinal) { pod.Uid } : s.Stopped,
    });

    /// <summary>The HPA (or a person) writes the workload's scale.</summary>
    public void SetDesired(int replicas) => Commit(s => s with { DesiredReplicas = replicas });

    /// <summary>Creates a grant carrying the writer's term; 409 when the name is taken.</summary>
    public (WriteResult, GrantRec?) CreateGrant(string name, string podUid, string podName, string term)
    {
        if (Now.Grants.ContainsKey(name))
        {
            return (WriteResult.Conflict, null);
        }

        var rec = new GrantRec(name, "g" + ++objectUids, podUid, podName, 0, 0, 1, null, term, Now.Rv + 1, Finalizer: finalizers);
        Commit(s => s with { Grants = s.Grants.With(name, rec) });
        return (WriteResult.Landed, rec);
    }

    /// <summary>A merge patch of spec.limit, spec.hold and the writer's term annotation with a resourceVersion precondition.</summary>
    public (WriteResult, GrantRec?) PatchSpec(string name, long expectedRv, int limit, int hold, string term) =>
        Patch(name, expectedRv, g => (g.Limit == limit && g.Hold == hold ? g : g with { Limit = limit, Hold = hold, Generation = g.Generation + 1 }) with { Term = term });

    /// <summary>A merge patch of the term annotation with a resourceVersion precondition (the fence).</summary>
    public (WriteResult, GrantRec?) PatchTerm(string name, long expectedRv, string term) => Patch(name, expectedRv, g => g with { Term = term });

    /// <summary>An agent's status write: an unconditional merge patch of the status subresource.</summary>
    public WriteResult PatchStatus(string name, StatusRec status)
    {
        if (!Now.Grants.TryGetValue(name, out var grant))
        {
            return WriteResult.NotFound;
        }

        Commit(s => s with { Grants = s.Grants.With(name, grant with { Status = status, Rv = s.Rv + 1 }) });
        return WriteResult.Landed;
    }

    /// <summary>A delete with uid and resourceVersion preconditions; null preconditions for the garbage collector.</summary>
    public WriteResult DeleteGrant(string name, string? objectUid, long? expectedRv)
    {
        if (!Now.Grants.TryGetValue(name, out var grant))
        {
            return WriteResult.NotFound;
        }

        if ((objectUid is not null && grant.ObjectUid != objectUid) || (expectedRv is not null && grant.Rv != expectedRv))
        {
            return WriteResult.Conflict;
        }

        if (grant.Finalizer)
        {
            // Held by the operator's finalizer: marked (deletionTimestamp), still there and counted.
            if (!grant.Marked)
            {
                Commit(s => s with { Grants = s.Grants.With(name, grant with { Marked = true, Rv = s.Rv + 1 }) });
            }

            return WriteResult.Landed;
        }

        Commit(s => s with { Grants = s.Grants.Without(name) });
        return WriteResult.Landed;
    }

    /// <summary>Removes the operator's finalizer with a resourceVersion precondition; a marked grant then goes.</summary>
    public (WriteResult, GrantRec?) RemoveFinalizer(string name, long expectedRv)
    {
        if (!Now.Grants.TryGetValue(name, out var grant))
        {
            return (WriteResult.NotFound, null);
        }

        if (grant.Rv != expectedRv)
        {
            return (WriteResult.Conflict, null);
        }

        if (grant.Marked)
        {
            Commit(s => s with { Grants = s.Grants.Without(name) });
            return (WriteResult.Landed, null);
        }

        var released = grant with { Finalizer = false, Rv = Now.Rv + 1 };
        Commit(s => s with { Grants = s.Grants.With(name, released) });
        return (WriteResult.Landed, released);
    }

    private (WriteResult, GrantRec?) Patch(string name, long expectedRv, Func<GrantRec, GrantRec> change)
    {
        if (!Now.Grants.TryGetValue(name, out var grant))
        {
            return (WriteResult.NotFound, null);
        }

        if (grant.Rv != expectedRv)
        {
            return (WriteResult.Conflict, null);
        }

        var changed = change(grant) with { Rv = Now.Rv + 1 };
        Commit(s => s with { Grants = s.Grants.With(name, changed) });
        return (WriteResult.Landed, changed);
    }

    private void Commit(Func<ApiState, ApiState> change)
    {
        var next = change(Now) with { Rv = Now.Rv + 1 };
        history.Add(next);
    }
}

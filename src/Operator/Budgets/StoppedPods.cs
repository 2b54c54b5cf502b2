using k8s.Models;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// The pods this operator saw stop: in phase Succeeded or Failed (the kubelet sets a terminal phase once every
/// container has exited; it never runs them again), or being deleted with every container terminated. A grant of
/// such a pod holds nothing, whatever it says, so its hold can be released without an acknowledgement from an agent
/// that is no longer running. A pod that vanished while its containers ran (a force delete, a lost node) is never
/// recorded: it keeps what its grant holds until its agent releases.
/// </summary>
/// <remarks>
/// Evidence lives in memory only, so it only ever relaxes: after a restart the operator has none, and counts the
/// grants of such pods until their finalizer is removed (docs/protocol.md, "Release"). Bounded: the oldest records
/// go first; a grant is released within a reconcile or two of its pod stopping.
/// </remarks>
public sealed class StoppedPods
{
    private readonly int capacity;
    private readonly Lock gate = new();
    private readonly HashSet<string> uids = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    /// <summary>Creates the record, holding at most <paramref name="capacity"/> pods.</summary>
    public StoppedPods(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        this.capacity = capacity;
    }

    /// <summary>True when <paramref name="pod"/> runs no process and never will again.</summary>
    public static bool HasStopped(V1Pod? pod)
    {
        if (pod?.Status is not { } status)
        {
            return false;
        }

        if (status.Phase is "Succeeded" or "Failed")
        {
            return true;
        }

        return pod.Metadata?.DeletionTimestamp is not null
            && status.ContainerStatuses is { Count: > 0 } containers
            && containers.All(c => c.State?.Terminated is not null);
    }

    /// <summary>An informer event of a pod: records it when either state shows it stopped.</summary>
    public void Observe(V1Pod? old, V1Pod? current)
    {
        // Called for every pod event: no allocation when nothing stopped.
        AddIfStopped(old);
        AddIfStopped(current);
    }

    /// <summary>Those of <paramref name="podUids"/> recorded as stopped.</summary>
    public IReadOnlySet<string> AmongThese(IEnumerable<string> podUids)
    {
        ArgumentNullException.ThrowIfNull(podUids);
        lock (gate)
        {
            return podUids.Where(uids.Contains).ToHashSet(StringComparer.Ordinal);
        }
    }

    private void AddIfStopped(V1Pod? pod)
    {
        if (HasStopped(pod) && pod!.Metadata.Uid is { Length: > 0 } uid)
        {
            Add(uid);
        }
    }

    private void Add(string uid)
    {
        lock (gate)
        {
            if (!uids.Add(uid))
            {
                return;
            }

            order.Enqueue(uid);
            while (order.Count > capacity)
            {
                uids.Remove(order.Dequeue());
            }
        }
    }
}

namespace PoolOperator.Operator.Allocation;

/// <summary>
/// The phase of a pod that may hold connections. Pods that have finished
/// (Succeeded, Failed) or are gone are not passed to the allocator at all.
/// </summary>
public enum LivePodPhase
{
    /// <summary>Scheduled or starting; its agent may open connections as soon as it has a grant.</summary>
    Pending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Being deleted; it keeps its slot (and its connections) until it is gone.</summary>
    Terminating,
}

/// <summary>A pod of a budgeted workload that has not finished.</summary>
/// <param name="Name">The pod's name; unique among all pods passed to one allocation.</param>
/// <param name="Phase">Its phase; only decides who gets the rounding leftovers (see <see cref="ConnectionAllocator"/>).</param>
public sealed record LivePod(string Name, LivePodPhase Phase);

namespace PoolOperator.Operator.Planning;

/// <summary>Where a live pod stands with respect to one budget.</summary>
public enum PodStanding
{
    /// <summary>A pod of one of the budget's workloads, not being deleted: it gets a grant (created at 0).</summary>
    InWorkloads,

    /// <summary>A pod of the budget's workloads that is being deleted: its limit goes to 0, its hold keeps counting.</summary>
    Terminating,

    /// <summary>
    /// A pod that still has a grant of the budget but is no longer part of its workloads (workload removed from the
    /// budget, Deployment deleted, pod relabelled): kept counted at what it holds, never raised.
    /// </summary>
    OutsideWorkloads,
}

/// <summary>A pod the planner knows to exist (by UID).</summary>
/// <param name="Uid">The pod's UID: the identity grants are bound to.</param>
/// <param name="Name">The pod's name: its grant is named after it, so two pods of one name cannot both have one.</param>
/// <param name="Standing">Where the pod stands with respect to the budget.</param>
/// <param name="Target">The allocator's share for a pod with a slot; null for a pod without one (it targets 0).</param>
public sealed record PlannedPod(string Uid, string Name, PodStanding Standing, int? Target);

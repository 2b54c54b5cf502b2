namespace PoolOperator.Operator.Allocation;

/// <summary>
/// One workload of a budget as the allocator sees it: the spec's weight and bounds,
/// the replica count the HPA set, the HPA's maximum and the live pods.
/// </summary>
/// <param name="Kind">Deployment or StatefulSet; with <paramref name="Name"/> it identifies the workload.</param>
/// <param name="Name">The workload's name.</param>
/// <param name="Weight">Per-replica weight, at least 1: a replica of weight 2 gets about twice a replica of weight 1.</param>
/// <param name="MinPerReplica">The least a replica should get (at least 0).</param>
/// <param name="MaxPerReplica">The most a replica may get (at least <paramref name="MinPerReplica"/>); null means no cap.</param>
/// <param name="DesiredReplicas">The workload's spec.replicas (at least 0), as the HPA set it.</param>
/// <param name="HpaMaxReplicas">The maxReplicas of the HPA targeting the workload (at least 0); null when there is none.</param>
/// <param name="Pods">The workload's pods that have a slot: their agent is up (grant phase Waiting or Active) and they are not Terminating.</param>
public sealed record WorkloadDemand(
    string Kind,
    string Name,
    int Weight,
    int MinPerReplica,
    int? MaxPerReplica,
    int DesiredReplicas,
    int? HpaMaxReplicas,
    IReadOnlyList<LivePod> Pods)
{
    /// <summary>
    /// Slots the workload takes part in the division with: one per pod that can use connections now. Slots follow
    /// arrivals: a scale-up the HPA decided reserves nothing until the new pods' agents are up, so the running pods
    /// keep their shares meanwhile (docs/allocation.md). <see cref="DesiredReplicas"/> is reported, not divided by.
    /// </summary>
    public int Slots => Pods.Count;
}

namespace PoolOperator.Operator.Allocation;

/// <summary>The division as it applies to one workload (the figures of its status row).</summary>
/// <param name="Kind">The workload's kind.</param>
/// <param name="Name">The workload's name.</param>
/// <param name="Slots"><c>max(desiredReplicas, live pods)</c>.</param>
/// <param name="Pods">Pods with a slot.</param>
/// <param name="PerReplica">The smallest share of the workload's slots: the smallest pod target when it has pods; 0 without slots.</param>
/// <param name="SlotTotal">Sum of the shares of all its slots, one per pod with a slot.</param>
/// <param name="HpaMaxReplicas">The HPA's maxReplicas, when an HPA targets the workload.</param>
/// <param name="PerReplicaAtMaxScale">
/// The smallest per-slot share if every workload with an HPA had <c>hpaMaxReplicas</c> slots
/// (workloads without an HPA keep their slots); 0 when the workload would have no slots.
/// </param>
/// <param name="StarvedAtMaxScale">True when <paramref name="PerReplicaAtMaxScale"/> is below the workload's minPerReplica.</param>
public sealed record WorkloadAllocation(
    string Kind,
    string Name,
    int Slots,
    int Pods,
    int PerReplica,
    long SlotTotal,
    int? HpaMaxReplicas,
    int PerReplicaAtMaxScale,
    bool StarvedAtMaxScale);

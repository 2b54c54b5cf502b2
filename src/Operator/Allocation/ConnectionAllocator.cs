namespace PoolOperator.Operator.Allocation;

/// <summary>
/// Divides a budget's available connections among the live pods of its workloads. Pure: no I/O,
/// no clock; the same input (in any order) gives the same output.
/// </summary>
/// <remarks>
/// <para><b>Slots.</b> Each workload takes part with one slot per pod passed in: the caller passes only the pods
/// that can use connections now (agent up, not Terminating), so slots follow arrivals and the running pods keep
/// their shares until a new pod can use its own. Pods not passed in target 0.</para>
/// <para><b>Division.</b> Weighted max-min fairness with clamping (water-filling): a slot of weight w gets
/// about <c>w * level</c>, clamped to [minPerReplica, maxPerReplica], with the level as high as the
/// capacity allows. What a capped workload cannot take goes to the others. Shares are integers and
/// the sum over all slots never exceeds the capacity. Connections that rounding leaves over go to the
/// workload whose next connection is cheapest (share + 1) / weight; on equal price to the workload
/// that comes first by kind, then name (ordinal).</para>
/// <para><b>Within a workload</b> slots differ by at most one. The slots that get the extra one are, in
/// this order: pods that are not Terminating, by pod name (ordinal); then Terminating pods by name. So 90 over four pods a, b, c, d gives a=23, b=23, c=22, d=22.
/// (Pending and Running are not told apart, so a pod starting up does not move the extras.)</para>
/// <para><b>Overcommit.</b> When the minimums over all slots exceed the capacity, every workload's
/// total is scaled to <c>slots * minPerReplica * available / sumOfMinimums</c>, rounded down, and
/// the few left over go one each to the workloads with the largest remainders (ties by kind, name).
/// All the capacity is handed out, no slot gets more than its minimum, and
/// <see cref="AllocationResult.Overcommitted"/> is set.</para>
/// <para><b>At max scale.</b> The division is run again as if every workload with an HPA had
/// hpaMaxReplicas slots (the others keep theirs); a workload is starved at max scale when its
/// per-slot share there would be below its minPerReplica.</para>
/// </remarks>
public static class ConnectionAllocator
{
    /// <summary>Lists what is wrong with an input, each message naming the field; empty when it is valid.</summary>
    /// <param name="available">The capacity to divide.</param>
    /// <param name="workloads">The workloads sharing it.</param>
    /// <returns>Error messages, empty for a valid input.</returns>
    public static IReadOnlyList<string> Validate(int available, IReadOnlyList<WorkloadDemand> workloads) =>
        DemandValidator.Validate(available, workloads);

    /// <summary>Divides <paramref name="available"/> among the pods of <paramref name="workloads"/>.</summary>
    /// <param name="available">The capacity (limit minus reserved), at least 0.</param>
    /// <param name="workloads">The workloads sharing it, in any order.</param>
    /// <returns>A target per pod and the per-workload figures.</returns>
    /// <exception cref="ArgumentException">The input is invalid (see <see cref="Validate"/>); the message names the field.</exception>
    public static AllocationResult Allocate(int available, IReadOnlyList<WorkloadDemand> workloads)
    {
        var errors = DemandValidator.Validate(available, workloads);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(workloads));
        }

        var ordered = workloads
            .OrderBy(w => w.Kind, StringComparer.Ordinal)
            .ThenBy(w => w.Name, StringComparer.Ordinal)
            .ToList();

        var now = WaterFilling.Divide([.. ordered.Select(w => Group(w, w.Slots))], available, out var overcommitted);
        var atMax = WaterFilling.Divide(
            [.. ordered.Select(w => Group(w, w.HpaMaxReplicas ?? w.Slots))], available, out _);

        var targets = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<WorkloadAllocation>(ordered.Count);
        long allocated = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var w = ordered[i];
            var share = now[i];
            var pods = ExtrasFirst(w.Pods);
            for (var p = 0; p < pods.Count; p++)
            {
                targets[pods[p].Name] = (int)(share.Base + (p < share.Extra ? 1 : 0));
            }

            var slots = w.Slots;
            var total = share.Total(slots);
            allocated += total;
            var maxScaleSlots = w.HpaMaxReplicas ?? slots;
            var perReplicaAtMax = maxScaleSlots == 0 ? 0 : (int)atMax[i].Base;
            rows.Add(new WorkloadAllocation(
                w.Kind,
                w.Name,
                slots,
                pods.Count,
                PerReplica: slots == 0 ? 0 : (int)(share.Base + (pods.Count > 0 && share.Extra >= pods.Count ? 1 : 0)),
                SlotTotal: total,
                w.HpaMaxReplicas,
                perReplicaAtMax,
                StarvedAtMaxScale: maxScaleSlots > 0 && perReplicaAtMax < w.MinPerReplica));
        }

        return new AllocationResult(available, targets, rows, allocated, overcommitted);
    }

    private static SlotGroup Group(WorkloadDemand w, int slots) =>
        new(slots, w.Weight, w.MinPerReplica, w.MaxPerReplica ?? long.MaxValue);

    /// <summary>The documented order in which a workload's slots receive the extra connection.</summary>
    private static List<LivePod> ExtrasFirst(IReadOnlyList<LivePod> pods) =>
        [.. pods
            .OrderBy(p => p.Phase == LivePodPhase.Terminating ? 1 : 0)
            .ThenBy(p => p.Name, StringComparer.Ordinal)];
}

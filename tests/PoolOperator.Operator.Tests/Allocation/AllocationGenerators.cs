using FsCheck;
using FsCheck.Fluent;
using PoolOperator.Operator.Allocation;

namespace PoolOperator.Operator.Tests.Allocation;

/// <summary>A budget and its workloads, as the property tests generate them.</summary>
public sealed record AllocationCase(int Available, IReadOnlyList<WorkloadDemand> Workloads)
{
    public override string ToString() =>
        $"available={Available}; " + string.Join("; ", Workloads.Select(w =>
            $"{w.Kind}/{w.Name} w={w.Weight} min={w.MinPerReplica} max={w.MaxPerReplica?.ToString() ?? "-"} desired={w.DesiredReplicas} hpaMax={w.HpaMaxReplicas?.ToString() ?? "-"} pods=[{string.Join(",", w.Pods.Select(p => $"{p.Name}:{p.Phase}"))}]"));
}

/// <summary>FsCheck generators with sane bounds: mostly small budgets, sometimes extreme values.</summary>
public static class AllocationGenerators
{
    private static readonly string[] Kinds = ["Deployment", "StatefulSet"];

    /// <summary>Mostly small numbers, sometimes large ones, rarely the extremes.</summary>
    public static Gen<int> Count(int small, int large) => Gen.Frequency(
        (8, Gen.Choose(0, small)),
        (1, Gen.Choose(0, large)),
        (1, Gen.Elements(0, 1, large)));

    public static Gen<LivePod> Pod(string name) =>
        Gen.Frequency(
            (6, Gen.Constant(LivePodPhase.Running)),
            (2, Gen.Constant(LivePodPhase.Pending)),
            (2, Gen.Constant(LivePodPhase.Terminating)))
        .Select(phase => new LivePod(name, phase));

    public static Gen<WorkloadDemand> Workload(int index, bool extreme) =>
        from kind in Gen.Elements(Kinds)
        from weight in extreme ? Count(5, int.MaxValue).Select(w => Math.Max(1, w)) : Gen.Choose(1, 5)
        from min in extreme ? Count(20, int.MaxValue) : Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(0, 20)))
        from max in Gen.OneOf(
            Gen.Constant<int?>(null),
            (extreme ? Count(30, int.MaxValue) : Gen.Choose(0, 30)).Select(extra => (int?)(int)Math.Min(int.MaxValue, (long)min + extra)))
        from podCount in Gen.Choose(0, 12)
        from desired in extreme ? Count(15, int.MaxValue) : Gen.Choose(0, 15)
        from hpaMax in Gen.OneOf(Gen.Constant<int?>(null), (extreme ? Count(30, int.MaxValue) : Gen.Choose(1, 30)).Select(h => (int?)h))
        from pods in Gen.CollectToList(Enumerable.Range(0, podCount), p => Pod($"w{index}-pod-{p}"))
        select new WorkloadDemand(kind, $"w{index}", weight, min, max, desired, hpaMax, pods);

    public static Gen<AllocationCase> Case(bool extreme) =>
        from available in extreme ? Count(500, int.MaxValue) : Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(0, 500)))
        from count in Gen.Choose(0, 5)
        from workloads in Gen.CollectToList(Enumerable.Range(0, count), i => Workload(i, extreme))
        select new AllocationCase(available, workloads);

    /// <summary>The same case with the workloads and each workload's pods in another order.</summary>
    public static Gen<(AllocationCase Case, AllocationCase Shuffled)> CaseAndShuffle() =>
        from c in Case(extreme: false)
        from workloads in Gen.Shuffle(c.Workloads.ToArray())
        from shuffled in Gen.CollectToList<WorkloadDemand, WorkloadDemand>(
            workloads, w => Gen.Shuffle(w.Pods.ToArray()).Select(p => w with { Pods = p }))
        select (c, new AllocationCase(c.Available, shuffled));
}

/// <summary>Arbitraries for <see cref="FsCheck.Xunit.PropertyAttribute.Arbitrary"/>.</summary>
public static class AllocationArbitraries
{
    public static Arbitrary<AllocationCase> Cases() => Arb.From(Gen.Frequency(
        (4, AllocationGenerators.Case(extreme: false)),
        (1, AllocationGenerators.Case(extreme: true))));

    public static Arbitrary<(AllocationCase Case, AllocationCase Shuffled)> Shuffles() =>
        Arb.From(AllocationGenerators.CaseAndShuffle());
}

using FsCheck;
using FsCheck.Fluent;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

/// <summary>A budget, its grants as found, the targets, and what happens next.</summary>
public sealed record PlannerCase(
    int Available,
    IReadOnlyDictionary<string, GrantState> Grants,
    IReadOnlyDictionary<string, int> Targets,
    IReadOnlyList<SimulationEvent> Events)
{
    public override string ToString() =>
        $"available={Available}; grants={{{string.Join(",", Grants.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Value.Limit?.ToString() ?? "-"}/{g.Value.AppliedLimit?.ToString() ?? "-"}"))}}}; "
        + $"targets={{{string.Join(",", Targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}}}; events=[{string.Join(" ", Events)}]";
}

public static class PlannerGenerators
{
    private const int MaxPods = 12;

    private static string PodName(int i) => $"pod-{i:D2}";

    /// <summary>
    /// Grants for <paramref name="pods"/> whose held values (max(limit, applied)) sum to at most
    /// <paramref name="budget"/>, in every shape: none, unacknowledged, acknowledged, shrink or grow pending.
    /// </summary>
    public static Gen<Dictionary<string, GrantState>> Grants(IReadOnlyList<string> pods, int budget) =>
        from total in Gen.Choose(0, budget)
        from held in pods.Count == 0 ? Gen.Constant(Array.Empty<int>()) : Gen.Piles(pods.Count, total)
        from states in Gen.CollectToList(Enumerable.Range(0, pods.Count), i => GrantHolding(held[i]))
        from gone in Gen.Choose(0, 2)
        from stale in Gen.CollectToList(Enumerable.Range(0, gone), _ => Gen.Choose(0, 50).Select(l => (GrantState?)new GrantState(l, l)))
        select pods.Select((p, i) => (Pod: p, State: states[i]))
            .Concat(stale.Select((s, i) => (Pod: $"gone-{i}", State: s)))
            .Where(x => x.State is not null)
            .ToDictionary(x => x.Pod, x => x.State!.Value, StringComparer.Ordinal);

    private static Gen<GrantState?> GrantHolding(int held) =>
        from shape in Gen.Choose(0, 4)
        from lower in Gen.Choose(0, held)
        select shape switch
        {
            0 => (GrantState?)null,
            1 => new GrantState(held, null),
            2 => new GrantState(held, held),
            3 => new GrantState(lower, held),
            _ => new GrantState(held, lower),
        };

    /// <summary>Targets for the pods, each up to the capacity (their sum may exceed it).</summary>
    public static Gen<Dictionary<string, int>> AnyTargets(IReadOnlyList<string> pods, int available) =>
        Gen.CollectToList(pods, _ => Gen.Choose(0, available))
            .Select(t => pods.Select((p, i) => (p, t[i])).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal));

    /// <summary>Targets that sum to at most the capacity, as the allocator gives them.</summary>
    public static Gen<Dictionary<string, int>> FittingTargets(IReadOnlyList<string> pods, int available) =>
        from total in Gen.Choose(0, available)
        from t in pods.Count == 0 ? Gen.Constant(Array.Empty<int>()) : Gen.Piles(pods.Count, total)
        select pods.Select((p, i) => (p, t[i])).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal);

    private static Gen<List<string>> PodSet() =>
        from n in Gen.Choose(0, MaxPods)
        from subset in Gen.SubListOf(Enumerable.Range(0, MaxPods + 2).Select(PodName).ToArray())
        select subset.Take(n).ToList();

    private static Gen<SimulationEvent> Event(int available) => Gen.Frequency(
        (5, Gen.Constant<SimulationEvent>(new PlannerStep())),
        (4, Gen.ListOf(Gen.Elements(true, false), MaxPods + 4).Select(w => (SimulationEvent)new Acknowledge([.. w]))),
        (1, from pods in PodSet()
            from fits in Gen.Elements(true, false)
            from targets in fits ? FittingTargets(pods, available) : AnyTargets(pods, available)
            select (SimulationEvent)new Retarget(targets)));

    /// <summary>Any state that keeps the invariant, any targets, then a random interleaving of steps, acknowledgements and retargets.</summary>
    public static Gen<PlannerCase> Interleavings() =>
        from available in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(0, 300)))
        from pods in PodSet()
        from grants in Grants(pods, available)
        from targets in AnyTargets(pods, available)
        from count in Gen.Choose(1, 40)
        from events in Gen.ListOf(Event(available), count)
        select new PlannerCase(available, grants, targets, [.. events]);

    /// <summary>A state within (or, with <paramref name="overBudget"/>, possibly beyond) the invariant and targets that fit.</summary>
    public static Gen<PlannerCase> Convergence(bool overBudget) =>
        from available in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(0, 300)))
        from pods in PodSet()
        from grants in Grants(pods, overBudget ? (available * 3) + 10 : available)
        from targets in FittingTargets(pods, available)
        select new PlannerCase(available, grants, targets, []);
}

/// <summary>Targets as the allocator gives them for a generated budget, and any state within the invariant.</summary>
public static class AllocatedArbitraries
{
    public static Arbitrary<PlannerCase> Cases() => Arb.From(
        from c in Tests.Allocation.AllocationGenerators.Case(extreme: false)
        let targets = Operator.Allocation.ConnectionAllocator.Allocate(c.Available, c.Workloads).Targets
        from grants in PlannerGenerators.Grants([.. targets.Keys.Order(StringComparer.Ordinal)], c.Available)
        select new PlannerCase(c.Available, grants, targets, []));
}

public static class PlannerArbitraries
{
    public static Arbitrary<PlannerCase> Cases() => Arb.From(PlannerGenerators.Interleavings());
}

public static class ConvergenceArbitraries
{
    public static Arbitrary<PlannerCase> Cases() => Arb.From(PlannerGenerators.Convergence(overBudget: false));
}

public static class OverBudgetArbitraries
{
    public static Arbitrary<PlannerCase> Cases() => Arb.From(PlannerGenerators.Convergence(overBudget: true));
}

using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

/// <summary>One thing that happens to a budget's grants in a simulation.</summary>
public abstract record SimulationEvent;

/// <summary>The operator reconciles: plans and writes the plan.</summary>
public sealed record PlannerStep : SimulationEvent
{
    public override string ToString() => "step";
}

/// <summary>The agents of some pods acknowledge their current limit (appliedLimit := limit).</summary>
public sealed record Acknowledge(IReadOnlyList<bool> Which) : SimulationEvent
{
    public override string ToString() => $"ack[{string.Join("", Which.Select(w => w ? '1' : '0'))}]";
}

/// <summary>The allocator's targets change (scaling, spec edits); pods without a target are gone.</summary>
public sealed record Retarget(IReadOnlyDictionary<string, int> Targets) : SimulationEvent
{
    public override string ToString() => $"retarget{{{string.Join(",", Targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}}}";
}

/// <summary>The grants as the API would hold them, and the two things that change them.</summary>
public sealed class PlannerSimulation
{
    private readonly Dictionary<string, GrantState> grants;

    public PlannerSimulation(int available, IReadOnlyDictionary<string, GrantState> grants, IReadOnlyDictionary<string, int> targets)
    {
        Available = available;
        this.grants = new Dictionary<string, GrantState>(grants, StringComparer.Ordinal);
        Targets = targets;
    }

    public int Available { get; }

    public IReadOnlyDictionary<string, int> Targets { get; private set; }

    public IReadOnlyDictionary<string, GrantState> Grants => grants;

    /// <summary>
    /// Sum of max(limit, applied) over the pods that exist (have a target); a pod without a grant holds
    /// nothing. Computed here, not with <see cref="GrantState.Held"/>, so the check is independent of the code under test.
    /// </summary>
    public long Held => Targets.Keys.Sum(p => grants.TryGetValue(p, out var g)
        ? Math.Max(0L, Math.Max(g.Limit ?? 0, g.AppliedLimit ?? 0))
        : 0L);

    public bool InvariantHolds => Held <= Available;

    /// <summary>Plans and writes; throws when the plan raised a limit beyond its target or failed to shrink first.</summary>
    public GrantPlan Step()
    {
        var plan = GrantPlanner.Plan(Available, Targets, grants);
        foreach (var (pod, limit) in plan.Limits)
        {
            var before = grants.GetValueOrDefault(pod).Limit ?? 0;
            var target = Targets[pod];
            if (limit > Math.Max(before, target) || (target < before && limit != target) || (plan.OverBudget && limit > before))
            {
                throw new InvalidOperationException($"pod {pod}: limit {before} -> {limit} with target {target}, over budget {plan.OverBudget}");
            }
        }

        foreach (var pod in plan.Create.Concat(plan.Update))
        {
            grants[pod] = grants.GetValueOrDefault(pod) with { Limit = plan.Limits[pod] };
        }

        foreach (var pod in plan.Delete)
        {
            grants.Remove(pod);
        }

        return plan;
    }

    /// <summary>Agents acknowledge: the i-th grant in name order acknowledges when <paramref name="which"/>[i] is set.</summary>
    public void Acknowledge(IReadOnlyList<bool> which)
    {
        var pods = grants.Keys.Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < pods.Count && i < which.Count; i++)
        {
            if (which[i] && grants[pods[i]].Limit is { } limit)
            {
                grants[pods[i]] = grants[pods[i]] with { AppliedLimit = limit };
            }
        }
    }

    public void AcknowledgeAll() => Acknowledge([.. grants.Keys.Select(_ => true)]);

    public void Retarget(IReadOnlyDictionary<string, int> targets) => Targets = targets;

    public void Apply(SimulationEvent e)
    {
        switch (e)
        {
            case PlannerStep:
                Step();
                break;
            case Acknowledge a:
                Acknowledge(a.Which);
                break;
            case Retarget r:
                Retarget(r.Targets);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e, "unknown event");
        }
    }
}

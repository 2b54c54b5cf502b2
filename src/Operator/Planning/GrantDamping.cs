namespace PoolOperator.Operator.Planning;

/// <summary>
/// Keeps a rebalance of a connection or two per pod from costing a round of writes (and a pool resize in each pod).
/// Pure.
/// </summary>
/// <remarks>
/// <para><b>The rule.</b> A pod with a limit above 0 and a target above 0 that differ by at most <see cref="Margin"/>
/// keeps its limit as its target, provided the damped targets sum to exactly what the targets sum to: the change only
/// moves capacity between pods (rounding extras moving from one pod to another, a weight edit). Otherwise no pod is
/// damped.</para>
/// <para><b>Why it keeps the invariant.</b> Damping only changes targets; the planner never writes more than free
/// capacity pays for, whatever the targets are.</para>
/// <para><b>Why it leaves nothing idle and never delays a scale step.</b> The damped targets hand out exactly as much
/// as the allocator's. A pod at limit 0 (a new arrival) or with target 0 (leaving) is never damped, so in a scale
/// step the others' damped targets cannot make the sums equal: every pod moves to its exact target.</para>
/// <para><b>Convergence.</b> Damped targets sum to the allocator's, which fit; once reached they are stable (a damped
/// pod's limit equals its damped target, so it is damped again the same way).</para>
/// </remarks>
public static class GrantDamping
{
    /// <summary>The largest change per pod that damping may skip.</summary>
    public const int Margin = 2;

    /// <summary>Returns the targets to move towards.</summary>
    /// <param name="targets">The allocator's targets of the pods with a slot, by pod UID.</param>
    /// <param name="currentLimits">The current spec.limit of the pods with a slot that have a grant, by pod UID.</param>
    public static IReadOnlyDictionary<string, int> Damp(IReadOnlyDictionary<string, int> targets, IReadOnlyDictionary<string, int> currentLimits)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(currentLimits);
        var damped = new Dictionary<string, int>(targets.Count, StringComparer.Ordinal);
        long targetSum = 0, dampedSum = 0;
        var changed = false;
        foreach (var (pod, target) in targets)
        {
            var keep = target > 0 && currentLimits.TryGetValue(pod, out var limit) && limit > 0 && limit != target && Math.Abs(limit - target) <= Margin;
            var value = keep ? currentLimits[pod] : target;
            damped[pod] = value;
            targetSum += target;
            dampedSum += value;
            changed |= keep;
        }

        return changed && dampedSum == targetSum ? damped : targets;
    }
}

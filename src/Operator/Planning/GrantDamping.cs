namespace PoolOperator.Operator.Planning;

/// <summary>
/// Keeps small rebalancing shrinks from costing a round of writes (and a pool shrink in each pod). Pure.
/// </summary>
/// <remarks>
/// <para><b>The rule.</b> A pod whose current limit is above its target by at most <see cref="Margin"/>, with a
/// target above 0, keeps its current limit as its target, provided the damped targets of every pod with a slot plus
/// what the pods without a slot may hold still fit in the capacity. Otherwise no pod is damped.</para>
/// <para><b>Why it keeps the invariant.</b> Damping only changes targets; the planner never writes more than free
/// capacity pays for, whatever the targets are.</para>
/// <para><b>Why a scale step is never delayed.</b> A new pod (limit 0) is never damped and counts its full target
/// in the fit check, so when the others must shrink to make room for it the damped targets do not fit and every
/// pod moves to its exact target. A pod leaving (target 0) is never damped either. Raises are never damped: a pod
/// below its target is raised as soon as capacity is free.</para>
/// <para><b>Convergence.</b> Damped targets fit in the capacity, so the planner reaches them as it would reach the
/// allocator's; once reached they are stable (a damped pod's limit equals its damped target).</para>
/// </remarks>
public static class GrantDamping
{
    /// <summary>The largest shrink per pod that damping may skip.</summary>
    public const int Margin = 2;

    /// <summary>Returns the targets to move towards.</summary>
    /// <param name="available">The capacity.</param>
    /// <param name="targets">The allocator's targets of the pods with a slot, by pod UID.</param>
    /// <param name="currentLimits">The current spec.limit of the pods with a slot that have a grant, by pod UID.</param>
    /// <param name="heldWithoutSlot">What the pods without a slot may hold (their grants' holds).</param>
    public static IReadOnlyDictionary<string, int> Damp(
        long available,
        IReadOnlyDictionary<string, int> targets,
        IReadOnlyDictionary<string, int> currentLimits,
        long heldWithoutSlot)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(currentLimits);
        var damped = new Dictionary<string, int>(targets.Count, StringComparer.Ordinal);
        var changed = false;
        foreach (var (pod, target) in targets)
        {
            var keep = target > 0 && currentLimits.TryGetValue(pod, out var limit) && limit > target && limit - target <= Margin;
            damped[pod] = keep ? currentLimits[pod] : target;
            changed |= keep;
        }

        if (!changed)
        {
            return targets;
        }

        var sum = heldWithoutSlot + damped.Values.Sum(v => (long)v);
        return sum <= available ? damped : targets;
    }
}

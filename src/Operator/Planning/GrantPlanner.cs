namespace PoolOperator.Operator.Planning;

/// <summary>
/// Moves the pods' grants towards their targets without ever breaking the invariant
/// <c>sum over pods of max(limit, appliedLimit) &lt;= available</c>. Pure: no I/O, no clock; the
/// state is read from the grants every time, so nothing is remembered between reconciles.
/// </summary>
/// <remarks>
/// <para><b>Shrink first.</b> A target below a pod's current limit is written at once.</para>
/// <para><b>Grow only from free capacity.</b> <c>free = available - sum(max(limit, appliedLimit))</c> over the
/// pods with a target, taken from the grants as they are before this plan: a shrink written now frees
/// nothing until its agent acknowledges it (its appliedLimit still holds the old value), and an
/// unacknowledged grant counts with its limit. Pods below their target are then raised in this order:
/// largest deficit (target minus held) first, then pod name (ordinal); each takes
/// <c>min(deficit, free)</c>. A raise costs only what it adds above the pod's held value. A pod
/// without a grant gets one at <c>min(target, free)</c>, possibly 0.</para>
/// <para><b>Over budget.</b> When the grants already break the invariant (the capacity dropped), the plan
/// only shrinks; new grants start at 0.</para>
/// <para><b>Convergence.</b> If the targets sum to at most the capacity and do not change, and every agent
/// acknowledges after each plan, the limits equal the targets, acknowledged, after two plan rounds:
/// the first writes all shrinks (and what grows fit), after their acknowledgement every pod holds at most
/// its target, so the second round's free capacity covers every remaining deficit.</para>
/// </remarks>
public static class GrantPlanner
{
    /// <summary>Plans one reconcile's grant writes.</summary>
    /// <param name="available">The budget's capacity, at least 0.</param>
    /// <param name="targets">The allocator's target per pod (<see cref="Allocation.AllocationResult.Targets"/>); each at least 0.</param>
    /// <param name="grants">The existing grants per pod name, including those of pods that have gone.</param>
    /// <returns>The limits to write and the grants to create or delete.</returns>
    /// <exception cref="ArgumentException">A negative capacity or target; the message names it.</exception>
    public static GrantPlan Plan(
        int available,
        IReadOnlyDictionary<string, int> targets,
        IReadOnlyDictionary<string, GrantState> grants)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentOutOfRangeException.ThrowIfNegative(available);
        foreach (var (pod, target) in targets)
        {
            if (target < 0)
            {
                throw new ArgumentException($"The target of pod '{pod}' must be at least 0 (is {target}).", nameof(targets));
            }
        }

        var pods = targets.Keys.Order(StringComparer.Ordinal).ToList();
        long held = 0;
        var settled = true;
        foreach (var pod in pods)
        {
            var state = grants.GetValueOrDefault(pod);
            held += state.Held;
            settled &= state.Limit == targets[pod] && state.AppliedLimit == targets[pod];
        }

        var limits = new Dictionary<string, int>(pods.Count, StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            // Shrink first; everything else keeps its limit (a new grant starts at 0) until grown below.
            var current = Math.Max(0, grants.GetValueOrDefault(pod).Limit ?? 0);
            limits[pod] = Math.Min(current, targets[pod]);
        }

        var free = available - held;
        var overBudget = free < 0;
        if (!overBudget)
        {
            free = Grow(pods, targets, grants, limits, free);
        }

        var create = pods.Where(p => grants.GetValueOrDefault(p).Limit is null).ToList();
        var update = pods.Where(p => grants.GetValueOrDefault(p).Limit is { } old && old != limits[p]).ToList();
        var delete = grants.Keys.Where(p => !targets.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        return new GrantPlan(limits, create, update, delete, held, free, overBudget, settled);
    }

    /// <summary>Raises pods towards their targets from <paramref name="free"/>; returns what is left.</summary>
    private static long Grow(
        List<string> pods,
        IReadOnlyDictionary<string, int> targets,
        IReadOnlyDictionary<string, GrantState> grants,
        Dictionary<string, int> limits,
        long free)
    {
        var wanting = pods
            .Select(p => (Pod: p, Held: grants.GetValueOrDefault(p).Held))
            .Where(x => targets[x.Pod] > limits[x.Pod])
            .OrderByDescending(x => targets[x.Pod] - x.Held)
            .ThenBy(x => x.Pod, StringComparer.Ordinal);
        foreach (var (pod, podHeld) in wanting)
        {
            var target = targets[pod];

            // Up to what the pod holds anyway (an acknowledged higher limit) the raise is free of cost.
            var costFree = Math.Min(target, podHeld);
            var bought = Math.Min(target - costFree, free);
            free -= bought;
            limits[pod] = (int)Math.Max(limits[pod], costFree + bought);
        }

        return free;
    }
}

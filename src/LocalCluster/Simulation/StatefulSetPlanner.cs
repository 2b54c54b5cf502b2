namespace PoolOperator.LocalCluster.Simulation;

/// <summary>What to do to one StatefulSet's pods in one round.</summary>
/// <param name="Create">Ordinals to create from the current template.</param>
/// <param name="Delete">Pods to delete (with a grace period).</param>
internal sealed record StatefulSetPlan(IReadOnlyList<int> Create, IReadOnlyList<SimulatedPod> Delete);

/// <summary>
/// Decides which ordinals a StatefulSet needs created or deleted. Pods are <c>name-0 .. name-(n-1)</c>;
/// scale-down removes the highest ordinals. With OrderedReady (the default) one pod changes at a time and
/// only when all lower ordinals are ready; with Parallel all changes happen at once. A template change
/// (RollingUpdate strategy) replaces pods one at a time from the highest ordinal down; OnDelete leaves them.
/// </summary>
internal static class StatefulSetPlanner
{
    /// <summary>Plans one round.</summary>
    /// <param name="desired">spec.replicas.</param>
    /// <param name="currentRevision">The hash of the current pod template.</param>
    /// <param name="parallel">podManagementPolicy is Parallel.</param>
    /// <param name="onDelete">updateStrategy.type is OnDelete: outdated pods are not replaced.</param>
    /// <param name="pods">The StatefulSet's pods, Terminating ones included.</param>
    public static StatefulSetPlan Plan(int desired, string currentRevision, bool parallel, bool onDelete, IReadOnlyCollection<SimulatedPod> pods)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(desired);
        var byOrdinal = pods.Where(p => p.Ordinal is not null).GroupBy(p => p.Ordinal!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var active = pods.Where(p => !p.Terminating && p.Ordinal is not null).ToList();
        var condemned = active.Where(p => p.Ordinal >= desired).OrderByDescending(p => p.Ordinal).ToList();
        var missing = Enumerable.Range(0, desired).Where(i => !byOrdinal.ContainsKey(i)).ToList();

        if (parallel)
        {
            return new StatefulSetPlan(missing, condemned.Concat(Outdated(desired, currentRevision, onDelete, active, pods)).ToList());
        }

        // OrderedReady: walk up from ordinal 0; the first ordinal that is missing is created, and the
        // first that exists but is not ready (or still terminating) blocks everything above it.
        for (var ordinal = 0; ordinal < desired; ordinal++)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var holders))
            {
                return new StatefulSetPlan([ordinal], []);
            }

            if (holders.Any(p => p.Terminating || !p.Ready))
            {
                return new StatefulSetPlan([], []);
            }
        }

        // Scale-down one pod at a time, highest ordinal first, and only after the previous one is gone.
        if (pods.Any(p => p.Terminating))
        {
            return new StatefulSetPlan([], []);
        }

        if (condemned.Count > 0)
        {
            return new StatefulSetPlan([], [condemned[0]]);
        }

        return new StatefulSetPlan([], Outdated(desired, currentRevision, onDelete, active, pods));
    }

    /// <summary>The next outdated pod to replace: the highest ordinal, once nothing else is in flight.</summary>
    private static List<SimulatedPod> Outdated(int desired, string currentRevision, bool onDelete, List<SimulatedPod> active, IReadOnlyCollection<SimulatedPod> pods)
    {
        if (onDelete || pods.Any(p => p.Terminating) || active.Count(p => p.Ordinal < desired) < desired || active.Any(p => !p.Ready))
        {
            return [];
        }

        var next = active.Where(p => p.Ordinal < desired && p.Revision != currentRevision).OrderByDescending(p => p.Ordinal).FirstOrDefault();
        return next is null ? [] : [next];
    }
}

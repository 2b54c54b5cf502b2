namespace PoolOperator.LocalCluster.Simulation;

/// <summary>What to do to one Deployment's pods in one round.</summary>
/// <param name="Create">How many pods of the current template to create.</param>
/// <param name="Delete">Pods to delete (with a grace period).</param>
internal sealed record DeploymentPlan(int Create, IReadOnlyList<SimulatedPod> Delete);

/// <summary>The Deployment's strategy, with maxSurge and maxUnavailable already resolved to pod counts.</summary>
/// <param name="Recreate">True for the Recreate strategy: all old pods go before any new one comes.</param>
/// <param name="MaxSurge">Pods allowed above the desired count during a rollout.</param>
/// <param name="MaxUnavailable">Desired pods allowed to be not ready during a rollout.</param>
internal sealed record DeploymentStrategy(bool Recreate, int MaxSurge, int MaxUnavailable);

/// <summary>
/// Decides, from the pods that exist now, which pods a Deployment needs created or deleted to move
/// toward its desired count and template. Pure: the simulator re-plans every round (level-triggered),
/// so a plan only needs to be a safe next step, not the whole way.
/// </summary>
internal static class DeploymentPlanner
{
    /// <summary>Plans one round.</summary>
    /// <param name="desired">spec.replicas.</param>
    /// <param name="currentRevision">The hash of the current pod template.</param>
    /// <param name="strategy">The rollout strategy.</param>
    /// <param name="pods">The Deployment's pods, Terminating ones included.</param>
    public static DeploymentPlan Plan(int desired, string currentRevision, DeploymentStrategy strategy, IReadOnlyCollection<SimulatedPod> pods)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(desired);
        var active = pods.Where(p => !p.Terminating).ToList();
        var current = active.Where(p => p.Revision == currentRevision).OrderBy(p => p, SimulatedPod.NewestFirst).ToList();
        var old = active.Where(p => p.Revision != currentRevision).OrderBy(p => p, SimulatedPod.NewestFirst).ToList();
        var delete = new List<SimulatedPod>();

        // Scale-down of the current template: pods not yet ready go first (they serve nothing, as the
        // ReplicaSet controller also prefers), then the newest.
        if (current.Count > desired)
        {
            var byVictimOrder = current.OrderBy(p => p.Ready).ThenBy(p => p, SimulatedPod.NewestFirst).ToList();
            delete.AddRange(byVictimOrder.Take(current.Count - desired));
            current = byVictimOrder.Skip(current.Count - desired).OrderBy(p => p, SimulatedPod.NewestFirst).ToList();
        }

        if (old.Count == 0)
        {
            // Recreate waits until the old pods are gone for good, not just Terminating.
            var waitForOld = strategy.Recreate && pods.Any(p => p.Terminating && p.Revision != currentRevision);
            return new DeploymentPlan(waitForOld ? 0 : Math.Max(0, desired - current.Count), delete);
        }

        if (strategy.Recreate)
        {
            // Every old pod must be gone, Terminating ones included, before the new template starts.
            delete.AddRange(old);
            return new DeploymentPlan(0, delete);
        }

        var create = Math.Max(0, Math.Min(desired - current.Count, desired + strategy.MaxSurge - (current.Count + old.Count)));

        // Old pods go only as far as availability allows: desired - maxUnavailable pods must stay ready.
        var minAvailable = Math.Max(0, desired - strategy.MaxUnavailable);
        var ready = current.Count(p => p.Ready) + old.Count(p => p.Ready);
        var currentNotReady = current.Count(p => !p.Ready);

        // Old pods that are not ready count for nothing: they may go as long as the total stays above the minimum.
        var oldNotReady = old.Where(p => !p.Ready).ToList();
        var removableNotReady = Math.Min(oldNotReady.Count, Math.Max(0, current.Count + old.Count - minAvailable - currentNotReady));
        delete.AddRange(oldNotReady.Take(removableNotReady));

        var oldReady = old.Where(p => p.Ready).ToList();
        var removableReady = Math.Min(oldReady.Count, Math.Max(0, ready - minAvailable));
        delete.AddRange(oldReady.Take(removableReady));

        return new DeploymentPlan(create, delete);
    }

    /// <summary>
    /// Resolves maxSurge and maxUnavailable (an integer or a percentage of desired) the way the
    /// Deployment controller does: surge rounds up, unavailable rounds down, and both zero means one unavailable.
    /// </summary>
    public static DeploymentStrategy ResolveStrategy(string? type, string? maxSurge, string? maxUnavailable, int desired)
    {
        var recreate = string.Equals(type, "Recreate", StringComparison.Ordinal);
        var surge = ResolveCount(maxSurge ?? "25%", desired, roundUp: true, "maxSurge");
        var unavailable = ResolveCount(maxUnavailable ?? "25%", desired, roundUp: false, "maxUnavailable");
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return new DeploymentStrategy(recreate, surge, unavailable);
    }

    private static int ResolveCount(string value, int desired, bool roundUp, string field)
    {
        var text = value.Trim();
        if (text.EndsWith('%'))
        {
            if (!int.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var percent))
            {
                throw new FormatException($"spec.strategy.rollingUpdate.{field}: '{value}' is not an integer or a percentage.");
            }

            var exact = desired * percent / 100.0;
            return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new FormatException($"spec.strategy.rollingUpdate.{field}: '{value}' is not an integer or a percentage.");
    }
}

using System.Globalization;
using PoolOperator.Api;
using PoolOperator.Operator.Allocation;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Budgets;

/// <summary>What one reconcile found, from which the status is computed.</summary>
public sealed record BudgetAssessment
{
    /// <summary>Spec errors; non-empty means nothing else was done.</summary>
    public IReadOnlyList<string> SpecErrors { get; init; } = [];

    /// <summary>The failure to read the server's limits, when serverRef is set and it failed.</summary>
    public ServerDiscovery.ServerDiscoveryException? ServerError { get; init; }

    /// <summary>The server's limits, when read through serverRef.</summary>
    public ServerDiscovery.ServerLimits? ServerLimits { get; init; }

    /// <summary>The server's usable connections planned from: read now, or the last known when the server failed.</summary>
    public int? ServerUsableConnections { get; init; }

    /// <summary>Drifts found by comparing pg_stat_activity with the holds; empty when the server agrees.</summary>
    public IReadOnlyList<string> Drift { get; init; } = [];

    /// <summary>The capacity divided, when known.</summary>
    public int? Available { get; init; }

    /// <summary>What was gathered.</summary>
    public BudgetSnapshot? Snapshot { get; init; }

    /// <summary>The reconcile's decision: allocation and plan.</summary>
    public BudgetDecisionResult? Decision { get; init; }
}

/// <summary>
/// Computes a budget's status from an assessment, on a fresh object: figures, per-workload rows and
/// the conditions Ready, Progressing, Overcommitted, InvalidSpec, ServerUnreachable, StarvedAtMaxScale.
/// </summary>
public static class BudgetStatus
{
    /// <summary>Reason of conditions that hold because nothing is wrong.</summary>
    public const string Settled = "Settled";

    /// <summary>Computes the status the budget should have.</summary>
    public static DatabaseBudgetStatus Compute(DatabaseBudget budget, BudgetAssessment assessment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(assessment);
        var old = budget.Status;
        var generation = budget.Metadata.Generation;
        var conditions = new ConditionSet(old?.Conditions, now, generation);

        if (assessment.SpecErrors.Count > 0)
        {
            var message = string.Join(" ", assessment.SpecErrors);
            conditions
                .Set(BudgetConditionTypes.Ready, false, BudgetConditionTypes.InvalidSpec, "The spec cannot be acted on: " + message)
                .Set(BudgetConditionTypes.Progressing, false, BudgetConditionTypes.InvalidSpec, "Grants are left as they are until the spec is fixed.")
                .Set(BudgetConditionTypes.InvalidSpec, true, "SpecInvalid", message)
                .Keep(BudgetConditionTypes.ServerUnreachable)
                .Keep(BudgetConditionTypes.Overcommitted)
                .Keep(BudgetConditionTypes.StarvedAtMaxScale)
                .Keep(BudgetConditionTypes.Drifted);
            return KeepFigures(old, generation, conditions);
        }

        if (assessment.ServerError is { } serverError && assessment.Decision is null)
        {
            conditions
                .Set(BudgetConditionTypes.Ready, false, BudgetConditionTypes.ServerUnreachable, "The server's limits are unknown; grants are left as they are.")
                .Set(BudgetConditionTypes.Progressing, false, BudgetConditionTypes.ServerUnreachable, "Waiting for the server named by spec.serverRef.")
                .Set(BudgetConditionTypes.InvalidSpec, false, "SpecValid", "The spec is valid.")
                .Set(BudgetConditionTypes.ServerUnreachable, true, serverError.Reason, serverError.Message)
                .Keep(BudgetConditionTypes.Overcommitted)
                .Keep(BudgetConditionTypes.StarvedAtMaxScale)
                .Keep(BudgetConditionTypes.Drifted);
            return KeepFigures(old, generation, conditions);
        }

        var snapshot = assessment.Snapshot ?? throw new ArgumentException("A valid assessment carries a snapshot.", nameof(assessment));
        var decision = assessment.Decision ?? throw new ArgumentException("A valid assessment carries a decision.", nameof(assessment));
        var allocation = decision.Allocation;
        var plan = decision.Plan;
        var grants = snapshot.GrantsByPodUid();
        var applied = grants.Values.Sum(g => Api.Protocol.GrantHolds.IsAcknowledged(g) ? Math.Max(0, g.Status?.AppliedLimit ?? 0) : 0);
        var acknowledged = plan.Targets.Count(t => grants.TryGetValue(t.Key, out var g)
            && g.Spec.Limit == t.Value && Api.Protocol.GrantHolds.IsAcknowledged(g) && g.Status?.AppliedLimit == t.Value);
        var missing = snapshot.Workloads.Where(w => !w.Found).Select(w => $"{w.Spec.Kind} {w.Spec.Name}").ToList();

        SetReadiness(conditions, plan, acknowledged, missing);
        conditions.Set(BudgetConditionTypes.InvalidSpec, false, "SpecValid", "The spec is valid.");
        conditions.Set(
            BudgetConditionTypes.Drifted,
            assessment.Drift.Count > 0,
            assessment.Drift.Count > 0 ? "ServerShowsMoreThanHeld" : "ServerAgrees",
            assessment.Drift.Count > 0
                ? "pg_stat_activity shows more than the holds allow; no raise while it lasts: " + string.Join("; ", assessment.Drift) + "."
                : "The server shows no more connections of the budget's pods than their holds allow.");
        if (budget.Spec.ServerRef is null)
        {
            conditions.Set(BudgetConditionTypes.ServerUnreachable, false, "NoServerRef", "spec.maxConnections is used; no server is read.");
        }
        else if (assessment.ServerError is { } degraded)
        {
            conditions.Set(BudgetConditionTypes.ServerUnreachable, true, degraded.Reason,
                $"{degraded.Message} Planning from the last known limits ({assessment.ServerUsableConnections} usable connections): shrinks go on, no raises.");
        }
        else
        {
            var limits = assessment.ServerLimits!;
            conditions.Set(
                BudgetConditionTypes.ServerUnreachable,
                false,
                "ServerRead",
                $"max_connections {limits.MaxConnections}, superuser_reserved_connections {limits.SuperuserReservedConnections}, reserved_connections {limits.ReservedConnections}.");
        }

        conditions.Set(
            BudgetConditionTypes.Overcommitted,
            allocation.Overcommitted,
            allocation.Overcommitted ? "MinimumsExceedAvailable" : "MinimumsFit",
            allocation.Overcommitted ? OvercommitMessage(snapshot, allocation) : "Every replica gets at least its minPerReplica.");
        var starved = allocation.Workloads.Where(w => w.StarvedAtMaxScale).ToList();
        conditions.Set(
            BudgetConditionTypes.StarvedAtMaxScale,
            starved.Count > 0,
            starved.Count > 0 ? "BelowMinimumAtMaxReplicas" : "MinimumsFitAtMaxReplicas",
            starved.Count > 0
                ? string.Join(" ", starved.Select(w => $"At maxReplicas {w.HpaMaxReplicas} a replica of {w.Kind} {w.Name} would get {w.PerReplicaAtMaxScale}, below its minPerReplica {snapshot.Workloads.First(x => x.Spec.Name == w.Name && x.Spec.Kind == w.Kind).Spec.MinPerReplica}."))
                : "Every replica would get at least its minPerReplica with every HPA at maxReplicas.");

        return new DatabaseBudgetStatus
        {
            ObservedGeneration = generation,
            ServerMaxConnections = assessment.ServerLimits?.MaxConnections ?? old?.ServerMaxConnections,
            ServerUsableConnections = assessment.ServerUsableConnections,
            Available = assessment.Available,
            Granted = grants.Values.Sum(g => Math.Max(0, g.Spec.Limit)),
            Applied = applied,
            Held = (int)Math.Min(int.MaxValue, plan.Held),
            HeldOutsideWorkloads = decision.HeldOutsideWorkloads.Count > 0 ? [.. decision.HeldOutsideWorkloads] : null,
            HeldByGonePods = decision.HeldByGonePods.Count > 0 ? [.. decision.HeldByGonePods] : null,
            Pods = plan.Targets.Count,
            PerReplica = PerReplicaSummary(allocation),
            Workloads = [.. allocation.Workloads.Select(w => Row(w, snapshot))],
            Conditions = conditions.ToList(),
        };
    }

    private static void SetReadiness(ConditionSet conditions, GrantPlan plan, int acknowledged, List<string> missing)
    {
        if (plan.Settled && missing.Count == 0)
        {
            conditions
                .Set(BudgetConditionTypes.Ready, true, Settled, $"All {plan.Targets.Count} pods hold their target, acknowledged.")
                .Set(BudgetConditionTypes.Progressing, false, Settled, "No rebalance is in progress.");
            return;
        }

        if (plan.Settled)
        {
            conditions
                .Set(BudgetConditionTypes.Ready, false, "WorkloadNotFound", $"Not found: {string.Join(", ", missing)}. Its pods get no grants.")
                .Set(BudgetConditionTypes.Progressing, false, Settled, "No rebalance is in progress.");
            return;
        }

        var progress = $"{acknowledged} of {plan.Targets.Count} pods hold their target, acknowledged."
            + (plan.RaisesWithheld ? " Raises are withheld (server limits unknown or drift)." : "");
        conditions
            .Set(BudgetConditionTypes.Ready, false, "Rebalancing", progress + (missing.Count > 0 ? $" Not found: {string.Join(", ", missing)}." : ""))
            .Set(
                BudgetConditionTypes.Progressing,
                true,
                plan.OverBudget ? "ShrinkingOverBudget" : "Rebalancing",
                plan.OverBudget
                    ? $"The grants hold more than is available ({plan.Held}); shrinking first. {progress}"
                    : $"Waiting for acknowledgements. {progress}");
    }

    private static string OvercommitMessage(BudgetSnapshot snapshot, AllocationResult allocation)
    {
        var minimums = allocation.Workloads.Sum(w => (long)w.Slots * snapshot.Workloads.First(x => x.Spec.Name == w.Name && x.Spec.Kind == w.Kind).Spec.MinPerReplica);
        return $"The workloads' minimums need {minimums} connections but {allocation.Available} are available; every replica gets less than its minPerReplica, in proportion.";
    }

    private static string PerReplicaSummary(AllocationResult allocation) =>
        allocation.Workloads.Count == 1
            ? allocation.Workloads[0].PerReplica.ToString(CultureInfo.InvariantCulture)
            : string.Join(",", allocation.Workloads.Select(w => w.Name + "=" + w.PerReplica.ToString(CultureInfo.InvariantCulture)));

    private static WorkloadStatus Row(WorkloadAllocation allocation, BudgetSnapshot snapshot)
    {
        var resources = snapshot.Workloads.First(w => w.Spec.Name == allocation.Name && w.Spec.Kind == allocation.Kind);
        return new WorkloadStatus
        {
            Name = allocation.Name,
            Kind = allocation.Kind,
            DesiredReplicas = resources.DesiredReplicas,
            Pods = allocation.Pods,
            PerReplica = allocation.PerReplica,
            HpaMaxReplicas = allocation.HpaMaxReplicas,
            PerReplicaAtMaxScale = allocation.HpaMaxReplicas is null ? null : allocation.PerReplicaAtMaxScale,
        };
    }

    private static DatabaseBudgetStatus KeepFigures(DatabaseBudgetStatus? old, long? generation, ConditionSet conditions) => new()
    {
        ObservedGeneration = generation,
        ServerMaxConnections = old?.ServerMaxConnections,
        ServerUsableConnections = old?.ServerUsableConnections,
        Available = old?.Available,
        Held = old?.Held,
        HeldOutsideWorkloads = old?.HeldOutsideWorkloads,
        HeldByGonePods = old?.HeldByGonePods,
        Granted = old?.Granted,
        Applied = old?.Applied,
        Pods = old?.Pods,
        PerReplica = old?.PerReplica,
        Workloads = old?.Workloads,
        Conditions = conditions.ToList(),
    };
}

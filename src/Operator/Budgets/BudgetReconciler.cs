using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Operator.Allocation;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Events;
using PoolOperator.Operator.Hosting.Metrics;
using PoolOperator.Operator.Planning;
using PoolOperator.Operator.ServerDiscovery;

namespace PoolOperator.Operator.Budgets;

/// <summary>Timings of the budget reconciler.</summary>
public sealed record BudgetReconcilerSettings
{
    /// <summary>How soon a budget whose server could not be read is tried again.</summary>
    public TimeSpan ServerRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a budget with serverRef re-reads the server's limits (they may change with a restart).</summary>
    public TimeSpan ServerRefreshPeriod { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Reconciles one DatabaseBudget: validates the spec, resolves what is available, gathers the
/// workloads, pods, HPAs and grants from the caches, runs the allocator and the grant planner,
/// writes the grants, then reports status, metrics and events. Level-triggered and idempotent:
/// everything is read afresh each time, so a restart or a new leader continues where the API is.
/// </summary>
public sealed partial class BudgetReconciler : IReconciler
{
    private static readonly Func<ILogger, string, IDisposable?> BudgetScope = LoggerMessage.DefineScope<string>("budget {Budget}");

    private readonly BudgetResources resources;
    private readonly BudgetUpdate update;
    private readonly BudgetStatusWriter statusWriter;
    private readonly ServerLimitsSource servers;
    private readonly EventRecorder events;
    private readonly OperatorMetrics metrics;
    private readonly TimeProvider time;
    private readonly BudgetReconcilerSettings settings;
    private readonly ILogger<BudgetReconciler> logger;
    private readonly ConcurrentDictionary<ObjectKey, long> rebalanceStarted = new();

    /// <summary>Creates the reconciler.</summary>
    public BudgetReconciler(
        BudgetResources resources,
        BudgetUpdate update,
        BudgetStatusWriter statusWriter,
        ServerLimitsSource servers,
        EventRecorder events,
        OperatorMetrics metrics,
        TimeProvider time,
        BudgetReconcilerSettings settings,
        ILogger<BudgetReconciler> logger)
    {
        this.resources = resources;
        this.update = update;
        this.statusWriter = statusWriter;
        this.servers = servers;
        this.events = events;
        this.metrics = metrics;
        this.time = time;
        this.settings = settings;
        this.logger = logger;
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        using var scope = BudgetScope(logger, key.ToString());
        var budget = resources.Budget(key);
        if (budget is null || budget.Metadata.DeletionTimestamp is not null)
        {
            await RemoveAsync(key, cancellationToken);
            return ReconcileResult.Done;
        }

        var errors = BudgetSpecValidator.Validate(budget);
        if (errors.Count > 0)
        {
            await ReportInvalidAsync(budget, errors, cancellationToken);
            return ReconcileResult.Done;
        }

        ServerLimits? limits = null;
        if (budget.Spec.ServerRef is { } serverRef)
        {
            try
            {
                limits = await servers.GetAsync(key.Namespace, serverRef, cancellationToken);
            }
            catch (ServerDiscoveryException ex)
            {
                await ReportUnreachableAsync(budget, ex, cancellationToken);
                return ReconcileResult.After(settings.ServerRetryDelay);
            }
        }

        var limit = Limit(budget.Spec, limits);
        var available = limit - budget.Spec.ReservedConnections;
        if (available < 0)
        {
            var what = limits is null
                ? $"spec.maxConnections ({limit})"
                : $"the server's usable connections ({limit}: max_connections {limits.MaxConnections} - superuser_reserved_connections {limits.SuperuserReservedConnections} - reserved_connections {limits.ReservedConnections})";
            await ReportInvalidAsync(budget, [$"spec.reservedConnections ({budget.Spec.ReservedConnections}) must be smaller than {what}."], cancellationToken);
            return ReconcileResult.Done;
        }

        var snapshot = resources.Gather(budget);
        var allocation = ConnectionAllocator.Allocate(available, snapshot.Demands());
        var plan = GrantPlanner.Plan(available, allocation.Targets, snapshot.GrantStates());
        var writes = await update.ApplyAsync(snapshot, plan, cancellationToken);
        if (writes > 0)
        {
            LogGrantsWritten(logger, writes, plan.Create.Count, plan.Update.Count, plan.Delete.Count, plan.Free);
        }

        var assessment = new BudgetAssessment
        {
            ServerLimits = limits,
            Available = available,
            Snapshot = snapshot,
            Allocation = allocation,
            Plan = plan,
        };
        var status = BudgetStatus.Compute(budget, assessment, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);
        metrics.BudgetFigures(key, status.Available, status.Granted ?? 0, status.Applied ?? 0);
        await RecordTransitionsAsync(budget, status, cancellationToken);

        return limits is null ? ReconcileResult.Done : ReconcileResult.After(settings.ServerRefreshPeriod);
    }

    /// <summary>The connection limit: the server's usable connections, capped by maxConnections when both are given.</summary>
    private static int Limit(DatabaseBudgetSpec spec, ServerLimits? limits) =>
        (limits?.UsableConnections, spec.MaxConnections) switch
        {
            ({ } server, { } max) => Math.Min(server, max),
            ({ } server, null) => server,
            (null, { } max) => max,
            _ => 0,
        };

    private async Task RemoveAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var orphans = resources.Grants(key);
        if (orphans.Count > 0)
        {
            LogBudgetGone(logger, orphans.Count);
            await update.DeleteAllAsync(orphans, cancellationToken);
        }

        metrics.BudgetRemoved(key);
        rebalanceStarted.TryRemove(key, out _);
    }

    private async Task ReportInvalidAsync(DatabaseBudget budget, IReadOnlyList<string> errors, CancellationToken cancellationToken)
    {
        var message = string.Join(" ", errors);
        LogInvalidSpec(logger, message);
        var status = BudgetStatus.Compute(budget, new BudgetAssessment { SpecErrors = errors }, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);
        if (!IsTrue(budget.Status, BudgetConditionTypes.InvalidSpec) || Message(budget.Status, BudgetConditionTypes.InvalidSpec) != message)
        {
            await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.InvalidSpec, "Validate", message, cancellationToken);
        }
    }

    private async Task ReportUnreachableAsync(DatabaseBudget budget, ServerDiscoveryException error, CancellationToken cancellationToken)
    {
        LogServerUnreachable(logger, error.Reason, error.Message);
        var status = BudgetStatus.Compute(budget, new BudgetAssessment { ServerError = error }, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);

        // The recorder folds repeats into one Event, so retrying every few seconds posts no storm.
        await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.ServerUnreachable, "ReadServerLimits", error.Message, cancellationToken);
    }

    private async Task RecordTransitionsAsync(DatabaseBudget budget, DatabaseBudgetStatus status, CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(budget);
        var old = budget.Status;
        if (budget.Spec.ServerRef is not null && status.ServerMaxConnections != old?.ServerMaxConnections)
        {
            await events.RecordAsync(budget, EventTypes.Normal, "ServerDiscovered", "ReadServerLimits",
                $"The server allows {status.ServerMaxConnections} connections; {status.Available} are shared by the pods.", cancellationToken);
        }

        if (IsTrue(status, BudgetConditionTypes.Progressing) && !IsTrue(old, BudgetConditionTypes.Progressing))
        {
            rebalanceStarted.TryAdd(key, time.GetTimestamp());
            await events.RecordAsync(budget, EventTypes.Normal, "Rebalancing", "WriteGrants",
                $"Dividing {status.Available} connections among {status.Pods} pods: {status.PerReplica} per replica.", cancellationToken);
        }

        if (IsTrue(status, BudgetConditionTypes.Ready) && !IsTrue(old, BudgetConditionTypes.Ready))
        {
            if (rebalanceStarted.TryRemove(key, out var started))
            {
                metrics.ScaleAcknowledged(key, time.GetElapsedTime(started));
            }

            await events.RecordAsync(budget, EventTypes.Normal, "Rebalanced", "WriteGrants",
                $"All {status.Pods} pods hold their share of {status.Available} connections ({status.PerReplica} per replica), acknowledged.", cancellationToken);
        }

        if (IsTrue(status, BudgetConditionTypes.Overcommitted) && !IsTrue(old, BudgetConditionTypes.Overcommitted))
        {
            await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.Overcommitted, "Allocate",
                Message(status, BudgetConditionTypes.Overcommitted) ?? "", cancellationToken);
        }

        if (IsTrue(status, BudgetConditionTypes.StarvedAtMaxScale) && !IsTrue(old, BudgetConditionTypes.StarvedAtMaxScale))
        {
            await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.StarvedAtMaxScale, "Allocate",
                Message(status, BudgetConditionTypes.StarvedAtMaxScale) ?? "", cancellationToken);
        }
    }

    private static bool IsTrue(DatabaseBudgetStatus? status, string type) =>
        status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    private static string? Message(DatabaseBudgetStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Message;

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Writes} grant changes ({Created} created, {Updated} updated, {Deleted} deleted); {Free} connections free")]
    private static partial void LogGrantsWritten(ILogger logger, int writes, int created, int updated, int deleted, long free);

    [LoggerMessage(Level = LogLevel.Information, Message = "Budget is gone; deleting its {Count} grants")]
    private static partial void LogBudgetGone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalid spec: {Message}")]
    private static partial void LogInvalidSpec(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server unreachable ({Reason}): {Message}")]
    private static partial void LogServerUnreachable(ILogger logger, string reason, string message);
}

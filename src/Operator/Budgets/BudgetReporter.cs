using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Events;
using PoolOperator.Operator.Hosting.Metrics;
using PoolOperator.Operator.ServerDiscovery;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Tells what a reconcile found and did, beside the reconciler: the budget's status and conditions, the events of
/// their transitions, and the metrics. Writes no grant.
/// </summary>
public sealed partial class BudgetReporter
{
    private readonly BudgetStatusWriter statusWriter;
    private readonly EventRecorder events;
    private readonly OperatorMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<BudgetReporter> logger;
    private readonly ConcurrentDictionary<ObjectKey, long> rebalanceStarted = new();

    /// <summary>Creates the reporter.</summary>
    public BudgetReporter(BudgetStatusWriter statusWriter, EventRecorder events, OperatorMetrics metrics, TimeProvider time, ILogger<BudgetReporter> logger)
    {
        this.statusWriter = statusWriter;
        this.events = events;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Reports a reconcile that planned and wrote.</summary>
    public async Task ReportAsync(DatabaseBudget budget, BudgetAssessment assessment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(assessment);
        var status = BudgetStatus.Compute(budget, assessment, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);
        var drift = assessment.ServerLimits is { } limits && assessment.Snapshot is { } snapshot
            ? ServerDrift.Excess(snapshot.Grants, limits.ConnectionsByApplication)
            : (int?)null;
        metrics.BudgetFigures(ObjectKey.Of(budget), status.Available, status.Granted ?? 0, status.Applied ?? 0, drift);
        if (assessment.ServerError is { } error)
        {
            LogServerUnreachable(logger, error.Reason, error.Message);

            // The recorder folds repeats into one Event, so retrying every few seconds posts no storm.
            await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.ServerUnreachable, "ReadServerLimits", error.Message, cancellationToken);
        }

        await RecordTransitionsAsync(budget, status, cancellationToken);
    }

    /// <summary>Reports a spec that cannot be acted on.</summary>
    public async Task InvalidAsync(DatabaseBudget budget, IReadOnlyList<string> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(errors);
        var message = string.Join(" ", errors);
        LogInvalidSpec(logger, message);
        var status = BudgetStatus.Compute(budget, new BudgetAssessment { SpecErrors = errors }, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);
        if (!IsTrue(budget.Status, BudgetConditionTypes.InvalidSpec) || Message(budget.Status, BudgetConditionTypes.InvalidSpec) != message)
        {
            await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.InvalidSpec, "Validate", message, cancellationToken);
        }
    }

    /// <summary>Reports a server that could not be read and no last known limits to plan from.</summary>
    public async Task UnreachableAsync(DatabaseBudget budget, ServerDiscoveryException error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(error);
        LogServerUnreachable(logger, error.Reason, error.Message);
        var status = BudgetStatus.Compute(budget, new BudgetAssessment { ServerError = error }, time.GetUtcNow());
        await statusWriter.WriteIfChangedAsync(budget, status, cancellationToken);
        await events.RecordAsync(budget, EventTypes.Warning, BudgetConditionTypes.ServerUnreachable, "ReadServerLimits", error.Message, cancellationToken);
    }

    /// <summary>The budget is gone: forget its figures.</summary>
    public void Removed(ObjectKey key)
    {
        metrics.BudgetRemoved(key);
        rebalanceStarted.TryRemove(key, out _);
    }

    private async Task RecordTransitionsAsync(DatabaseBudget budget, DatabaseBudgetStatus status, CancellationToken cancellationToken)
    {
        var key = ObjectKey.Of(budget);
        var old = budget.Status;
        if (budget.Spec.ServerRef is not null && status.ServerMaxConnections is not null && status.ServerMaxConnections != old?.ServerMaxConnections)
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

        foreach (var pod in status.HeldByGonePods ?? [])
        {
            if (old?.HeldByGonePods?.Contains(pod) != true)
            {
                await events.RecordAsync(budget, EventTypes.Warning, "HeldByGonePod", "ReleaseGrant",
                    $"Pod {pod} is gone, but its agent never released the connections its grant allows (a force delete or a lost node): "
                    + $"they stay counted until it does, or until the finalizer {ApiGroup.HoldFinalizer} is removed from its grant by hand (docs/protocol.md, Release).",
                    cancellationToken);
            }
        }

        foreach (var (type, reason) in new[]
        {
            (BudgetConditionTypes.Overcommitted, "Allocate"),
            (BudgetConditionTypes.StarvedAtMaxScale, "Allocate"),
            (BudgetConditionTypes.Drifted, "CompareServer"),
        })
        {
            if (IsTrue(status, type) && !IsTrue(old, type))
            {
                await events.RecordAsync(budget, EventTypes.Warning, type, reason, Message(status, type) ?? "", cancellationToken);
            }
        }
    }

    private static bool IsTrue(DatabaseBudgetStatus? status, string type) =>
        status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    private static string? Message(DatabaseBudgetStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Message;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalid spec: {Message}")]
    private static partial void LogInvalidSpec(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server unreachable ({Reason}): {Message}")]
    private static partial void LogServerUnreachable(ILogger logger, string reason, string message);
}

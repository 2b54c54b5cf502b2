using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.ServerDiscovery;

namespace PoolOperator.Operator.Budgets;

/// <summary>Timings of the budget reconciler.</summary>
public sealed record BudgetReconcilerSettings
{
    /// <summary>How soon a budget whose server could not be read is tried again.</summary>
    public TimeSpan ServerRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a budget with serverRef re-reads the server's limits (they may change with a restart).</summary>
    public TimeSpan ServerRefreshPeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How soon a budget is read again after a write was refused because a grant changed (409).</summary>
    public TimeSpan ConflictRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a deleted budget whose pods still hold connections is looked at while they drain.</summary>
    public TimeSpan DrainRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Reconciles one DatabaseBudget, one job: gather (budget, server limits, workloads, pods, grants), decide
/// (<see cref="BudgetDecision"/>: allocate and plan), write (<see cref="BudgetUpdate"/>). What it found goes to the
/// <see cref="BudgetReporter"/> beside it. Level-triggered and idempotent: everything is read afresh each time, and
/// what a pod may hold lives in the grant objects, so a restart or a new leader continues where the API is.
/// </summary>
public sealed partial class BudgetReconciler : IReconciler
{
    private static readonly Func<ILogger, string, IDisposable?> BudgetScope = LoggerMessage.DefineScope<string>("budget {Budget}");

    private readonly BudgetResources resources;
    private readonly BudgetUpdate update;
    private readonly BudgetReporter reporter;
    private readonly ServerLimitsSource servers;
    private readonly BudgetReconcilerSettings settings;
    private readonly ILogger<BudgetReconciler> logger;
    private string term = NewTerm();

    /// <summary>Creates the reconciler.</summary>
    public BudgetReconciler(
        BudgetResources resources,
        BudgetUpdate update,
        BudgetReporter reporter,
        ServerLimitsSource servers,
        BudgetReconcilerSettings settings,
        ILogger<BudgetReconciler> logger)
    {
        this.resources = resources;
        this.update = update;
        this.reporter = reporter;
        this.servers = servers;
        this.settings = settings;
        this.logger = logger;
    }

    /// <summary>
    /// A leadership term starts (after the fresh read of every grant): every budget's grants are fenced again before
    /// this term's first raise in it (they carry the old term).
    /// </summary>
    public void StartTerm() => term = NewTerm();

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        using var scope = BudgetScope(logger, key.ToString());
        var budget = resources.Budget(key);
        if (budget is null || budget.Metadata.DeletionTimestamp is not null)
        {
            return await RemoveAsync(key, cancellationToken);
        }

        var errors = BudgetSpecValidator.Validate(budget);
        if (errors.Count > 0)
        {
            await reporter.InvalidAsync(budget, errors, cancellationToken);
            return ReconcileResult.Done;
        }

        ServerLimits? limits = null;
        ServerDiscoveryException? serverError = null;
        int? serverUsable = null;
        if (budget.Spec.ServerRef is { } serverRef)
        {
            try
            {
                limits = await servers.GetAsync(key.Namespace, serverRef, cancellationToken);
                serverUsable = limits.UsableConnections;
            }
            catch (ServerDiscoveryException ex)
            {
                // A full server refuses the discovery connection exactly when the pods use every slot: plan from the
                // last known limits (no raises), so shrinks and new pods' zero grants go on.
                serverError = ex;
                serverUsable = budget.Status?.ServerUsableConnections;
                if (serverUsable is null)
                {
                    await reporter.UnreachableAsync(budget, ex, cancellationToken);
                    return ReconcileResult.After(settings.ServerRetryDelay);
                }
            }
        }

        var limit = Limit(budget.Spec.MaxConnections, serverUsable);
        var available = limit - budget.Spec.ReservedConnections;
        if (available < 0)
        {
            var what = serverUsable is null
                ? $"spec.maxConnections ({limit})"
                : $"the server's usable connections ({limit}: max_connections minus superuser_reserved_connections and reserved_connections)";
            await reporter.InvalidAsync(budget, [$"spec.reservedConnections ({budget.Spec.ReservedConnections}) must be smaller than {what}."], cancellationToken);
            return ReconcileResult.Done;
        }

        var snapshot = resources.Gather(budget);
        var drift = limits is null ? [] : ServerDrift.Find(snapshot.Grants, limits.ConnectionsByApplication);
        var decision = BudgetDecision.Decide(snapshot, available, raisesAllowed: serverError is null && drift.Count == 0);
        var outcome = await update.ApplyAsync(snapshot, decision, term, cancellationToken);

        if (outcome.Writes > 0 || outcome.Conflicts > 0)
        {
            var plan = decision.Plan;
            LogGrantsWritten(logger, outcome.Writes, outcome.Conflicts, plan.Creates.Count, plan.Shrinks.Count, plan.Raises.Count, plan.Deletes.Count, plan.Free);
        }

        await reporter.ReportAsync(budget, new BudgetAssessment
        {
            ServerLimits = limits,
            ServerError = serverError,
            ServerUsableConnections = serverUsable,
            Available = available,
            Snapshot = snapshot,
            Decision = decision,
            Drift = drift,
        }, cancellationToken);

        if (outcome.Conflicts > 0)
        {
            return ReconcileResult.After(settings.ConflictRetryDelay);
        }

        return serverError is not null ? ReconcileResult.After(settings.ServerRetryDelay)
            : limits is not null ? ReconcileResult.After(settings.ServerRefreshPeriod)
            : ReconcileResult.Done;
    }

    /// <summary>The connection limit: the server's usable connections, capped by maxConnections when both are given.</summary>
    private static int Limit(int? maxConnections, int? serverUsable) =>
        (serverUsable, maxConnections) switch
        {
            ({ } server, { } max) => Math.Min(server, max),
            ({ } server, null) => server,
            (null, { } max) => max,
            _ => 0,
        };

    private static string NewTerm() => Guid.NewGuid().ToString("N")[..16];

    private async Task<ReconcileResult> RemoveAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var grants = resources.Grants(key);
        if (grants.Count > 0)
        {
            LogBudgetGone(logger, grants.Count);
            if (await update.DrainAsync(grants, cancellationToken) > 0)
            {
                return ReconcileResult.After(settings.DrainRetryDelay);
            }
        }

        reporter.Removed(key);
        return ReconcileResult.Done;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Writes} grant changes ({Conflicts} refused as stale; planned {Created} creates, {Shrunk} shrinks, {Raised} raises, {Deleted} deletes); {Free} connections free")]
    private static partial void LogGrantsWritten(ILogger logger, int writes, int conflicts, int created, int shrunk, int raised, int deleted, long free);

    [LoggerMessage(Level = LogLevel.Information, Message = "Budget is gone; draining its {Count} grants")]
    private static partial void LogBudgetGone(ILogger logger, int count);
}

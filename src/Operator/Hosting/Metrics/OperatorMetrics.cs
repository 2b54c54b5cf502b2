using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Hosting.Metrics;

/// <summary>The operator's metrics, served at /metrics.</summary>
public sealed class OperatorMetrics : IReconcileObserver
{
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] AcknowledgeBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    private readonly Counter reconciles;
    private readonly Counter reconcileErrors;
    private readonly Histogram reconcileDuration;
    private readonly Histogram scaleToAcknowledged;
    private readonly Gauge available;
    private readonly Gauge granted;
    private readonly Gauge applied;
    private readonly Counter grantWrites;
    private readonly Gauge leader;

    /// <summary>Registers the operator's metrics in <paramref name="registry"/>.</summary>
    public OperatorMetrics(MetricsRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        reconciles = registry.Counter("pooloperator_reconciles_total", "Budget reconciles, successful or not.");
        reconcileErrors = registry.Counter("pooloperator_reconcile_errors_total", "Budget reconciles that failed and were retried with backoff.");
        reconcileDuration = registry.Histogram("pooloperator_reconcile_duration_seconds", "Time spent in one budget reconcile.", DurationBuckets);
        scaleToAcknowledged = registry.Histogram(
            "pooloperator_scale_to_acknowledged_seconds",
            "Time from a change in a budget's replica count (a scale decision) until every grant was at its target and acknowledged.",
            AcknowledgeBuckets,
            "namespace",
            "budget");
        available = registry.Gauge("pooloperator_budget_available_connections", "Connections the budget's pods share (limit minus reserved).", "namespace", "budget");
        granted = registry.Gauge("pooloperator_budget_granted_connections", "Sum of the budget's grant limits.", "namespace", "budget");
        applied = registry.Gauge("pooloperator_budget_applied_connections", "Sum of the limits the budget's agents acknowledged.", "namespace", "budget");
        grantWrites = registry.Counter("pooloperator_grant_writes_total", "Grant creations, updates and deletions.", "operation");
        leader = registry.Gauge("pooloperator_leader", "1 while this replica leads and writes, else 0.");
        leader.Set(0);
    }

    /// <summary>The registry behind these metrics.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>Total reconciles so far.</summary>
    public double Reconciles => reconciles.Value();

    /// <summary>Total grant writes of one operation (create, update, delete).</summary>
    public double GrantWrites(string operation) => grantWrites.Value(operation);

    /// <summary>Reads the work queue depth at each scrape.</summary>
    public void ObserveQueueDepth(Func<int> depth)
    {
        ArgumentNullException.ThrowIfNull(depth);
        Registry.Gauge("pooloperator_workqueue_depth", "Budgets waiting to be reconciled.").Observe(() => depth());
    }

    /// <inheritdoc />
    public void Reconciled(ObjectKey key, TimeSpan duration, bool failed)
    {
        reconciles.Increment();
        if (failed)
        {
            reconcileErrors.Increment();
        }

        reconcileDuration.Observe(duration.TotalSeconds);
    }

    /// <summary>Records one grant write.</summary>
    public void GrantWritten(string operation) => grantWrites.Increment(operation);

    /// <summary>Sets whether this replica leads.</summary>
    public void SetLeader(bool isLeader) => leader.Set(isLeader ? 1 : 0);

    /// <summary>Publishes a budget's figures.</summary>
    public void BudgetFigures(ObjectKey budget, int? availableConnections, int grantedConnections, int appliedConnections)
    {
        if (availableConnections is { } value)
        {
            available.Set(value, budget.Namespace, budget.Name);
        }

        granted.Set(grantedConnections, budget.Namespace, budget.Name);
        applied.Set(appliedConnections, budget.Namespace, budget.Name);
    }

    /// <summary>Drops a deleted budget's series.</summary>
    public void BudgetRemoved(ObjectKey budget)
    {
        available.Remove(budget.Namespace, budget.Name);
        granted.Remove(budget.Namespace, budget.Name);
        applied.Remove(budget.Namespace, budget.Name);
    }

    /// <summary>Records how long a rebalance took to be acknowledged.</summary>
    public void ScaleAcknowledged(ObjectKey budget, TimeSpan elapsed) =>
        scaleToAcknowledged.Observe(elapsed.TotalSeconds, budget.Namespace, budget.Name);
}

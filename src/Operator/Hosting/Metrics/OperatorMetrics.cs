using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Hosting.Metrics;

/// <summary>
/// The operator's instruments on the <see cref="System.Diagnostics.Metrics"/> API, in the meter
/// <see cref="MeterName"/>; OpenTelemetry's Prometheus exporter serves them at /metrics
/// (<c>pooloperator.reconciles</c> becomes <c>pooloperator_reconciles_total</c>, a unit of
/// <c>s</c> adds <c>_seconds</c>).
/// </summary>
public sealed class OperatorMetrics : IReconcileObserver
{
    /// <summary>The meter's name, which the exporter is told to listen to.</summary>
    public const string MeterName = "PoolOperator.Operator";

    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] AcknowledgeBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    private readonly Counter<long> reconciles;
    private readonly Counter<long> reconcileErrors;
    private readonly Histogram<double> reconcileDuration;
    private readonly Histogram<double> scaleToAcknowledged;
    private readonly Counter<long> grantWrites;
    private readonly Counter<long> apiRequests;
    private readonly ConcurrentDictionary<ObjectKey, BudgetFigureSet> budgets = new();
    private readonly ConcurrentDictionary<string, long> grantWriteCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ObjectKey, long> acknowledgedCounts = new();
    private long reconcileCount;
    private long apiRequestCount;
    private int isLeader;
    private Func<int> queueDepth = () => 0;

    /// <summary>Creates the instruments on a meter of <paramref name="meters"/> (one per host).</summary>
    public OperatorMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        reconciles = meter.CreateCounter<long>("pooloperator.reconciles", "{reconcile}", "Budget reconciles, successful or not.");
        reconcileErrors = meter.CreateCounter<long>("pooloperator.reconcile.errors", "{reconcile}", "Budget reconciles that failed and were retried with backoff.");
        reconcileDuration = meter.CreateHistogram(
            "pooloperator.reconcile.duration", "s", "Time spent in one budget reconcile.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        scaleToAcknowledged = meter.CreateHistogram(
            "pooloperator.scale_to_acknowledged",
            "s",
            "Time from a change in a budget's replica count (a scale decision) until every grant was at its target and acknowledged.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AcknowledgeBuckets });

        // A counter appears at /metrics with its first measurement: zero now, so that an alert on
        // its rate sees a series from the start.
        reconcileErrors.Add(0);
        grantWrites = meter.CreateCounter<long>("pooloperator.grant.writes", "{write}", "Grant creations, updates and deletions.");
        apiRequests = meter.CreateCounter<long>("pooloperator.api.requests", "{request}", "Requests sent to the Kubernetes API (watches and lists included), after the client-side rate limit.");
        meter.CreateObservableGauge("pooloperator.budget.available_connections", () => Figures(f => f.Available), "{connection}", "Connections the budget's pods share (limit minus reserved).");
        meter.CreateObservableGauge("pooloperator.budget.granted_connections", () => Figures(f => f.Granted), "{connection}", "Sum of the budget's grant limits.");
        meter.CreateObservableGauge("pooloperator.budget.applied_connections", () => Figures(f => f.Applied), "{connection}", "Sum of the limits the budget's agents acknowledged.");
        meter.CreateObservableGauge("pooloperator.budget.drift.connections", () => Figures(f => f.Drift), "{connection}", "Server connections (pg_stat_activity by application_name) beyond the holds of the budget's pods; only with serverRef.");
        meter.CreateObservableGauge("pooloperator.workqueue.depth", () => queueDepth(), "{budget}", "Budgets waiting to be reconciled.");
        meter.CreateObservableGauge("pooloperator.leader", () => Volatile.Read(ref isLeader), "", "1 while this replica leads and writes, else 0.");
    }

    /// <summary>Total reconciles so far.</summary>
    public double Reconciles => Interlocked.Read(ref reconcileCount);

    /// <summary>Total requests sent to the Kubernetes API so far.</summary>
    public long ApiRequests => Interlocked.Read(ref apiRequestCount);

    /// <summary>Total grant writes of one operation (create, update, delete).</summary>
    public double GrantWrites(string operation) => grantWriteCounts.GetValueOrDefault(operation);

    /// <summary>How many rebalances of one budget were recorded as acknowledged.</summary>
    public long ScaleAcknowledgedCount(ObjectKey budget) => acknowledgedCounts.GetValueOrDefault(budget);

    /// <summary>Reads the work queue depth at each scrape.</summary>
    public void ObserveQueueDepth(Func<int> depth) => queueDepth = depth ?? throw new ArgumentNullException(nameof(depth));

    /// <inheritdoc />
    public void Reconciled(ObjectKey key, TimeSpan duration, bool failed)
    {
        Interlocked.Increment(ref reconcileCount);
        reconciles.Add(1);
        if (failed)
        {
            reconcileErrors.Add(1);
        }

        reconcileDuration.Record(duration.TotalSeconds);
    }

    /// <summary>Records one grant write.</summary>
    public void GrantWritten(string operation)
    {
        grantWriteCounts.AddOrUpdate(operation, 1, (_, n) => n + 1);
        grantWrites.Add(1, new KeyValuePair<string, object?>("operation", operation));
    }

    /// <summary>Records one request sent to the Kubernetes API.</summary>
    public void ApiRequestSent(string method)
    {
        Interlocked.Increment(ref apiRequestCount);
        apiRequests.Add(1, new KeyValuePair<string, object?>("method", method));
    }

    /// <summary>Sets whether this replica leads.</summary>
    public void SetLeader(bool leading) => Volatile.Write(ref isLeader, leading ? 1 : 0);

    /// <summary>Publishes a budget's figures.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="availableConnections">status.available.</param>
    /// <param name="grantedConnections">status.granted.</param>
    /// <param name="appliedConnections">status.applied.</param>
    /// <param name="driftConnections">Server connections beyond the holds; null when the server was not sampled.</param>
    public void BudgetFigures(ObjectKey budget, int? availableConnections, int grantedConnections, int appliedConnections, int? driftConnections = null) =>
        budgets[budget] = new BudgetFigureSet(availableConnections, grantedConnections, appliedConnections, driftConnections);

    /// <summary>Drops a deleted budget's series.</summary>
    public void BudgetRemoved(ObjectKey budget) => budgets.TryRemove(budget, out _);

    /// <summary>Records how long a rebalance took to be acknowledged.</summary>
    public void ScaleAcknowledged(ObjectKey budget, TimeSpan elapsed)
    {
        acknowledgedCounts.AddOrUpdate(budget, 1, (_, n) => n + 1);
        scaleToAcknowledged.Record(elapsed.TotalSeconds, BudgetTags(budget));
    }

    private IEnumerable<Measurement<int>> Figures(Func<BudgetFigureSet, int?> figure)
    {
        foreach (var (key, figures) in budgets)
        {
            if (figure(figures) is { } value)
            {
                yield return new Measurement<int>(value, BudgetTags(key));
            }
        }
    }

    private static KeyValuePair<string, object?>[] BudgetTags(ObjectKey budget) =>
        [new("namespace", budget.Namespace), new("budget", budget.Name)];

    private sealed record BudgetFigureSet(int? Available, int Granted, int Applied, int? Drift);
}

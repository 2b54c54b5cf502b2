using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// A <see cref="DbDataSource"/> over one <see cref="Npgsql.NpgsqlDataSource"/> whose connection limit can be
/// changed at runtime, the way Go's <c>db.SetMaxOpenConns</c> can. Every path that opens a connection passes
/// a FIFO gate first: <see cref="OpenConnectionAsync"/>, <see cref="OpenConnection"/>, the connections of
/// <see cref="CreateConnection"/> when opened, and the commands and batches of <see cref="DbDataSource.CreateCommand"/>
/// and <see cref="DbDataSource.CreateBatch"/>. The Npgsql pool's Maximum Pool Size stays a fixed hard ceiling.
/// Build one with <see cref="BudgetedDataSourceBuilder"/> or <c>services.AddPoolOperatorDataSource(...)</c>.
/// </summary>
public sealed class BudgetedDataSource : DbDataSource
{
    private readonly NpgsqlDataSource _pool;
    private readonly ConnectionSlots _slots;
    private readonly PhysicalConnectionMeter _physical;
    private readonly LimitResizer _resizer;
    private readonly ClientAgentMetrics _metrics;
    private readonly LeakDetector? _leaks;
    private readonly PoolNames.Lease _poolName;
    private volatile bool _usingFallback;
    private volatile bool _grantApplied;
    private volatile bool _stopping;

    internal BudgetedDataSource(
        NpgsqlDataSource pool,
        PoolNames.Lease poolName,
        ClientAgentOptions options,
        string budgetName,
        int initialLimit,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory)
    {
        _pool = pool;
        _poolName = poolName;
        Options = options;
        BudgetName = budgetName;
        Time = time;
        LoggerFactory = loggerFactory;
        var logger = loggerFactory.CreateLogger<BudgetedDataSource>();
        _metrics = new ClientAgentMetrics(meterFactory, budgetName, poolName.Name);
        Gate = new ConnectionGate(budgetName, initialLimit, options.AcquireTimeout, time, _metrics);
        _physical = new PhysicalConnectionMeter(poolName.Name);
        _leaks = options.LeakThreshold is { } threshold ? new LeakDetector(threshold, budgetName, time, _metrics, logger) : null;
        _slots = new ConnectionSlots(Gate, _metrics, _leaks, time, logger);
        _resizer = new LimitResizer(Gate, pool, _physical, options.MaxPoolSize, options.ResizePollInterval, time, logger);
        _metrics.Observe(Gate, _physical, () => _usingFallback);
    }

    /// <summary>The budget this data source's connections count against (or <c>static</c>).</summary>
    public string BudgetName { get; }

    /// <summary>The validated options the data source was built with.</summary>
    public ClientAgentOptions Options { get; }

    /// <summary>The limit in force.</summary>
    public int Limit => Gate.Limit;

    /// <summary>The Npgsql pool's name: the <c>db.client.connection.pool.name</c> of its metrics.</summary>
    public string PoolName => _poolName.Name;

    /// <inheritdoc />
    public override string ConnectionString => _pool.ConnectionString;

    /// <summary>
    /// The underlying Npgsql data source, for integrations that must be handed one (EF Core's <c>UseNpgsql</c>).
    /// Connections it opens bypass the gate unless the integration calls <see cref="EnterAsync"/> before each open,
    /// as the PoolOperator.ClientAgent.EntityFrameworkCore interceptor does.
    /// </summary>
    public NpgsqlDataSource NpgsqlDataSource => _pool;

    internal ConnectionGate Gate { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal ClientAgentMetrics Metrics => _metrics;

    internal LimitResizer Resizer => _resizer;

    /// <summary>Whether this data source waits for grants (no static limit): readiness then waits for the first one.</summary>
    internal bool FollowsGrants => Options.StaticLimit is null;

    /// <summary>Whether a grant above 0 has been applied (set by the grant agent; readiness waits for it).</summary>
    internal bool GrantApplied
    {
        get => _grantApplied;
        set => _grantApplied = value;
    }

    /// <summary>Whether the agent is stopping: it admits nothing more and gives its share back.</summary>
    internal bool Stopping
    {
        get => _stopping;
        set => _stopping = value;
    }

    /// <summary>Whether the fallback limit is in force (set by the grant agent).</summary>
    internal bool UsingFallback
    {
        get => _usingFallback;
        set => _usingFallback = value;
    }

    /// <summary>Creates a connection that takes a slot from the gate whenever it is opened.</summary>
    public new BudgetedConnection CreateConnection() => new(_slots, _pool.CreateConnection());

    /// <summary>Waits for a slot, then returns an open connection. Closing or disposing it gives the slot back.</summary>
    /// <exception cref="ConnectionBudgetTimeoutException">No slot became free within the acquire timeout.</exception>
    public new BudgetedConnection OpenConnection()
    {
        var connection = CreateConnection();
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Waits for a slot, then returns an open connection. Closing or disposing it gives the slot back.</summary>
    /// <exception cref="ConnectionBudgetTimeoutException">No slot became free within the acquire timeout.</exception>
    public new async ValueTask<BudgetedConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Changes the limit, like Go's <c>SetMaxOpenConns</c>, and completes when it holds: at once for a raise; for
    /// a shrink once the connections handed out plus the idle physical connections (measured through Npgsql's
    /// <c>db.client.connection.count</c>) are at or below the new limit. A shrink from N to M closes exactly the
    /// N - M surplus physical connections (idle ones at once, busy ones when they come back); the others keep their
    /// backends. New opens obey the new limit from the first moment. The latest call wins: a caller replacing a pending
    /// shrink should cancel it.
    /// </summary>
    public Task<LimitApplied> ApplyLimitAsync(int limit, CancellationToken cancellationToken = default) =>
        _resizer.ApplyAsync(limit, cancellationToken);

    /// <summary>
    /// For integrations that open <see cref="NpgsqlDataSource"/>'s connections themselves: waits for a slot and
    /// ties it to <paramref name="connection"/>'s next open; the slot comes back when the connection closes. If the
    /// open then fails, call <see cref="OpenFailed"/>.
    /// </summary>
    public ValueTask EnterAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _slots.ReserveAsync(_slots.TrackerFor(connection), cancellationToken);
    }

    /// <summary>The blocking form of <see cref="EnterAsync"/>, for synchronous opens.</summary>
    public void Enter(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _slots.ReserveBlocking(_slots.TrackerFor(connection), CancellationToken.None);
    }

    /// <summary>Gives back the slot taken by <see cref="EnterAsync"/> when the open that followed failed.</summary>
    public void OpenFailed(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _slots.TrackerFor(connection).AbandonReservation();
    }

    /// <summary>The gate's and the pool's counters now, like Go's <c>db.Stats()</c>.</summary>
    public BudgetStats Stats()
    {
        var gate = Gate.Snapshot();
        var physical = _physical.Measure() ?? default;
        return new BudgetStats(
            gate.Limit,
            gate.InUse,
            physical.Idle,
            physical.Total,
            gate.Waiting,
            gate.WaitCount,
            gate.WaitDuration,
            gate.Timeouts,
            gate.Bypassed,
            _leaks?.Reported ?? 0,
            _usingFallback);
    }

    /// <inheritdoc />
    protected override DbConnection CreateDbConnection() => CreateConnection();

    /// <inheritdoc />
    protected override DbConnection OpenDbConnection() => OpenConnection();

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand(string? commandText = null) => new BudgetedCommand(this, commandText);

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => new BudgetedBatch(this);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _leaks?.Dispose();
            _physical.Dispose();
            _metrics.Dispose();
            _pool.Dispose();
            _poolName.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        _leaks?.Dispose();
        _physical.Dispose();
        _metrics.Dispose();
        await _pool.DisposeAsync();
        _poolName.Dispose();
        await base.DisposeAsyncCore();
    }
}

using Microsoft.Extensions.Logging;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Changes the gate's limit and brings the physical connections down to it, closing only the surplus: from N to M
/// exactly N - M physical connections close, idle ones at once and busy ones once they come back idle; the other M
/// keep their backends (and with them their prepared statements). Like Go's <c>SetMaxOpenConns</c>.
/// </summary>
/// <remarks>
/// <para>Npgsql 10 has no public way to close one pooled connection: <see cref="NpgsqlDataSource.Clear"/> closes every
/// idle one and marks every busy one (<c>PoolingDataSource.Clear</c> and <c>Return</c> of 10.0.3), so a 30 to 29 shrink
/// would recycle 30 backends. A connector that breaks on a server or I/O error clears the whole pool too
/// (<c>NpgsqlConnector.Break</c>: a critical or transient failure marks the database offline and calls <c>Clear</c>), so
/// ending one backend from the server does not work either. What closes exactly one: take a surplus idle connection out of
/// the pool (Npgsql hands out an idle connector before it opens a new one) and ask it for a raw binary COPY of a
/// text-format COPY; Npgsql breaks that connector with an <see cref="ArgumentException"/>, which is neither a server nor an
/// I/O failure, so only it leaves the pool, and its backend exits at the end of its socket. The test of a 6 to 4 shrink
/// (surviving backend PIDs in <c>pg_stat_activity</c>) guards this against an Npgsql upgrade. Opens admitted meanwhile
/// still find enough idle connectors: idle minus surplus is <c>limit - inUse</c>, exactly what the gate can admit.</para>
/// <para>A shrink to 0 (stop, grant deleted) closes everything, so there <see cref="NpgsqlDataSource.Clear"/> is right.</para>
/// </remarks>
internal sealed class LimitResizer
{
    /// <summary>A text-format COPY asked for as binary: Npgsql 10 breaks the connector on it (NpgsqlConnection.BeginRawBinaryCopy).</summary>
    private const string EndOwnConnector = "COPY (SELECT 1) TO STDOUT";

    private readonly ConnectionGate _gate;
    private readonly NpgsqlDataSource _pool;
    private readonly PhysicalConnectionMeter _physical;
    private readonly int _ceiling;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LimitResizer(
        ConnectionGate gate, NpgsqlDataSource pool, PhysicalConnectionMeter physical, int ceiling, TimeSpan pollInterval, TimeProvider time, ILogger logger)
    {
        _gate = gate;
        _pool = pool;
        _physical = physical;
        _ceiling = ceiling;
        _pollInterval = pollInterval;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sets the gate to <paramref name="requested"/> (at most the ceiling) and returns the limit now in force.</summary>
    public int SetLimit(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        var limit = Math.Min(requested, _ceiling);
        if (limit < requested)
        {
            AgentLog.LimitClamped(_logger, _gate.BudgetName, requested, _ceiling);
        }

        var previous = _gate.Limit;
        _gate.SetLimit(limit);
        if (limit != previous)
        {
            AgentLog.LimitApplied(_logger, _gate.BudgetName, limit, previous);
        }

        return limit;
    }

    /// <summary>
    /// Closes idle physical connections above the gate's limit, then counts what this pool could hold now: the
    /// connections the gate admitted (or the busy physical ones, if more) plus the idle physical ones. Null when the
    /// physical connections cannot be measured: then no shrink may be acknowledged.
    /// </summary>
    public async Task<int?> TrimAndMeasureAsync(CancellationToken cancellationToken)
    {
        var limit = _gate.Limit;
        if (_physical.Measure() is not { } physical)
        {
            return null;
        }

        var surplus = Math.Min(physical.Idle, physical.Total - limit);
        if (surplus > 0)
        {
            if (limit == 0)
            {
                _pool.Clear();
            }
            else
            {
                for (var i = 0; i < surplus; i++)
                {
                    await CloseOneIdleAsync(cancellationToken);
                }
            }

            if (_physical.Measure() is not { } after)
            {
                return null;
            }

            physical = after;
        }

        return CouldHold(_gate.Snapshot(), physical);
    }

    /// <summary>Sets the limit and completes once the pool holds no more than it (see <see cref="BudgetedDataSource.ApplyLimitAsync"/>).</summary>
    public async Task<LimitApplied> ApplyAsync(int requested, CancellationToken cancellationToken)
    {
        var limit = SetLimit(requested);
        while (true)
        {
            var held = await TrimAndMeasureAsync(cancellationToken);
            var gate = _gate.Snapshot();
            if (held <= limit && _physical.Measure() is { } physical)
            {
                return new LimitApplied(limit, physical, gate.InUse, gate.Waiting);
            }

            AgentLog.ShrinkWaiting(_logger, _gate.BudgetName, limit, gate.InUse, held);
            await Task.Delay(_pollInterval, _time, cancellationToken);
        }
    }

    /// <summary>What the pool could hold: admissions (or busy connectors, if more: opens that bypassed nothing yet) plus idle connectors.</summary>
    internal static int CouldHold(GateSnapshot gate, PhysicalConnections physical) => Math.Max(gate.InUse, physical.Used) + physical.Idle;

    private async Task CloseOneIdleAsync(CancellationToken cancellationToken)
    {
        await using var connection = _pool.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using var copy = await connection.BeginRawBinaryCopyAsync(EndOwnConnector, cancellationToken);
        }
        catch (ArgumentException)
        {
            // Expected: Npgsql broke the connector (closed its socket) and dropped it from the pool; the backend exits at the EOF.
        }
    }
}

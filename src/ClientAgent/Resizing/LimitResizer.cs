using Microsoft.Extensions.Logging;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Applies a new limit and says when it holds. Both directions set the gate at once. A limit holds when the
/// gate hands out no more slots than it (so no open that was admitted earlier can still add a connection) and
/// the pool holds no more physical connections than it. A raise holds at once; a shrink clears idle surplus
/// (<see cref="NpgsqlDataSource.Clear"/> also marks busy connections to close when they come back) and polls
/// until the busy surplus has come back.
/// </summary>
internal sealed class LimitResizer
{
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

    public async Task<LimitApplied> ApplyAsync(int requested, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        var limit = Math.Min(requested, _ceiling);
        if (limit < requested)
        {
            AgentLog.LimitClamped(_logger, _gate.BudgetName, requested, _ceiling);
        }

        var previous = _gate.Limit;
        _gate.SetLimit(limit);
        var cleared = false;
        while (true)
        {
            var gate = _gate.Snapshot();
            var physical = _physical.Measure();
            if (gate.InUse <= limit && physical.Total <= limit)
            {
                if (limit != previous)
                {
                    AgentLog.LimitApplied(_logger, _gate.BudgetName, limit, previous, physical.Total);
                }

                return new LimitApplied(limit, physical, gate.InUse, gate.Waiting);
            }

            if (physical.Idle > 0 && physical.Total > limit)
            {
                _pool.Clear();
            }
            else if (!cleared)
            {
                // Mark the busy surplus to close when it comes back, instead of returning to the idle list.
                _pool.Clear();
            }

            cleared = true;
            AgentLog.ShrinkWaiting(_logger, _gate.BudgetName, limit, gate.InUse, physical.Total);
            await Task.Delay(_pollInterval, _time, cancellationToken);
        }
    }
}

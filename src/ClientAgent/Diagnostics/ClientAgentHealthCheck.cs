using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Degraded while opens time out at the gate (within <see cref="ClientAgentOptions.HealthDegradedWindow"/> of the
/// last timeout) or while the fallback limit is in force; healthy otherwise. The data carries the gate's counters.
/// </summary>
public sealed class ClientAgentHealthCheck : IHealthCheck
{
    private readonly BudgetedDataSource _dataSource;

    /// <summary>Creates the check for <paramref name="dataSource"/>.</summary>
    public ClientAgentHealthCheck(BudgetedDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stats = _dataSource.Stats();
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["budget"] = _dataSource.BudgetName,
            ["limit"] = stats.Limit,
            ["inUse"] = stats.InUse,
            ["idle"] = stats.Idle,
            ["waiting"] = stats.Waiting,
            ["timeouts"] = stats.Timeouts,
            ["usingFallback"] = stats.UsingFallback,
        };

        var window = _dataSource.Options.HealthDegradedWindow;
        if (_dataSource.Gate.LastTimeoutTimestamp is { } last && _dataSource.Time.GetElapsedTime(last) < window)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"Opens of budget '{_dataSource.BudgetName}' timed out waiting for a connection within the last {window}: " +
                $"limit {stats.Limit}, {stats.InUse} in use, {stats.Waiting} waiting, {stats.Timeouts} timeouts in total.",
                data: data));
        }

        if (stats.UsingFallback)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"No ConnectionGrant for budget '{_dataSource.BudgetName}' yet: running on the fallback limit {stats.Limit}.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"Budget '{_dataSource.BudgetName}': limit {stats.Limit}, {stats.InUse} in use.", data));
    }
}

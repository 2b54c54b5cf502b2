using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Unhealthy (not ready) while the agent follows grants and none above 0 has been applied yet, and while it stops;
/// Degraded while opens time out at the gate (within <see cref="ClientAgentOptions.HealthDegradedWindow"/> of the
/// last timeout) or while the fallback limit is in force; healthy otherwise. The data carries the gate's counters.
/// Map it to the pod's readiness probe (see docs/client-agent.md): a new pod then receives traffic only once it can
/// open connections.
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
            ["grantApplied"] = _dataSource.GrantApplied,
        };

        if (_dataSource.Stopping)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Budget '{_dataSource.BudgetName}': stopping; no more connections are admitted.", data: data));
        }

        if (_dataSource.FollowsGrants && !_dataSource.GrantApplied && !stats.UsingFallback)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"Budget '{_dataSource.BudgetName}': waiting for this pod's first ConnectionGrant above 0; opens wait until then.", data: data));
        }

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

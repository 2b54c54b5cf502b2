using Microsoft.Extensions.Logging;

namespace PoolOperator.ClientAgent;

/// <summary>The agent's log messages (source-generated).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Budget {Budget}: a connection was opened without passing the gate (its inner NpgsqlConnection was opened directly). " +
                  "It is counted but was not limited; open connections through the BudgetedDataSource or the EF Core interceptor. Reported once.")]
    public static partial void GateBypassed(ILogger logger, string budget);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Budget {Budget}: a connection has been held for {Held} (leak threshold {Threshold}). It was opened at:\n{OpenedAt}")]
    public static partial void ConnectionLeaked(ILogger logger, string budget, TimeSpan held, TimeSpan threshold, string openedAt);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Budget {Budget}: limit {Limit} applied (was {Previous}); {Physical} physical connections.")]
    public static partial void LimitApplied(ILogger logger, string budget, int limit, int previous, int physical);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug,
        Message = "Budget {Budget}: shrinking to {Limit}, waiting for connections to come back ({InUse} in use, {Physical} physical).")]
    public static partial void ShrinkWaiting(ILogger logger, string budget, int limit, int inUse, int physical);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Budget {Budget}: granted limit {Requested} is above PoolOperator:Agent:MaxPoolSize {Ceiling}; applying {Ceiling}.")]
    public static partial void LimitClamped(ILogger logger, string budget, int requested, int ceiling);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "Budget {Budget}: no ConnectionGrant {Grant} within {Wait}; applying the fallback limit {Limit} (PoolOperator:Agent:FallbackLimit) until one arrives.")]
    public static partial void FallbackApplied(ILogger logger, string budget, string grant, TimeSpan wait, int limit);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information,
        Message = "Budget {Budget}: grant {Grant} generation {Generation} asks for limit {Limit}.")]
    public static partial void GrantReceived(ILogger logger, string budget, string grant, long? generation, int limit);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "Budget {Budget}: watching grant {Grant} failed; keeping limit {Limit} and retrying in {Delay}.")]
    public static partial void WatchFailed(ILogger logger, Exception exception, string budget, string grant, int limit, TimeSpan delay);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
        Message = "Budget {Budget}: writing the status of grant {Grant} failed (attempt {Attempt}); retrying in {Delay}.")]
    public static partial void StatusWriteFailed(ILogger logger, Exception exception, string budget, string grant, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "Budget {Budget}: grant {Grant} was deleted; keeping limit {Limit}.")]
    public static partial void GrantDeleted(ILogger logger, string budget, string grant, int limit);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information,
        Message = "Budget {Budget}: acknowledged grant {Grant}: appliedLimit {Limit}, observedGeneration {Generation}.")]
    public static partial void GrantAcknowledged(ILogger logger, string budget, string grant, int limit, long? generation);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "Budget {Budget}: grant {Grant} cannot be acknowledged ({Status}); giving up on this generation.")]
    public static partial void StatusRejected(ILogger logger, Exception exception, string budget, string grant, int status);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error,
        Message = "Budget {Budget}: no Kubernetes API is available (not in a cluster and no IKubernetes registered); " +
                  "applying the fallback limit {Limit}. Set PoolOperator:Agent:StaticLimit (POOLOPERATOR_STATIC_LIMIT) to run outside Kubernetes.")]
    public static partial void NoKubernetes(ILogger logger, string budget, int limit);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information,
        Message = "Budget {Budget}: static limit {Limit} (PoolOperator:Agent:StaticLimit); no grant is watched.")]
    public static partial void StaticLimit(ILogger logger, string budget, int limit);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error,
        Message = "Budget {Budget}: applying grant {Grant} failed unexpectedly; the limit stays {Limit}.")]
    public static partial void ApplyFailed(ILogger logger, Exception exception, string budget, string grant, int limit);
}

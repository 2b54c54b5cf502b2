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
        Message = "Budget {Budget}: limit {Limit} in force (was {Previous}).")]
    public static partial void LimitApplied(ILogger logger, string budget, int limit, int previous);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug,
        Message = "Budget {Budget}: shrinking to {Limit}, waiting for connections to come back ({InUse} in use, could hold {CouldHold}; none when unmeasured).")]
    public static partial void ShrinkWaiting(ILogger logger, string budget, int limit, int inUse, int? couldHold);

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
        Message = "Budget {Budget}: grant {Grant} was deleted; limit 0 until a new grant arrives (fail closed).")]
    public static partial void GrantDeleted(ILogger logger, string budget, string grant);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information,
        Message = "Budget {Budget}: acknowledged grant {Grant}: phase {Phase}, appliedLimit {Limit}, observedGeneration {Generation}.")]
    public static partial void GrantAcknowledged(ILogger logger, string budget, string grant, string phase, int limit, long generation);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "Budget {Budget}: grant {Grant} refused the status write ({Status}); retrying in {Delay} with whatever is newest then.")]
    public static partial void StatusRejected(ILogger logger, Exception exception, string budget, string grant, int status, TimeSpan delay);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error,
        Message = "Budget {Budget}: no Kubernetes API is available (not in a cluster and no IKubernetes registered); " +
                  "applying the fallback limit {Limit}. Set PoolOperator:Agent:StaticLimit (POOLOPERATOR_STATIC_LIMIT) to run outside Kubernetes.")]
    public static partial void NoKubernetes(ILogger logger, string budget, int limit);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information,
        Message = "Budget {Budget}: static limit {Limit} (PoolOperator:Agent:StaticLimit); no grant is watched.")]
    public static partial void StaticLimit(ILogger logger, string budget, int limit);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error,
        Message = "Budget {Budget}: measuring the connections for grant {Grant} failed; the limit stays {Limit} and the measurement is retried.")]
    public static partial void MeasureFailed(ILogger logger, Exception exception, string budget, string grant, int limit);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information,
        Message = "Budget {Budget}: ignoring grant {Grant} bound to pod UID {GrantPodUid}: this pod is {PodUid} (a previous pod of the same name).")]
    public static partial void ForeignGrantIgnored(ILogger logger, string budget, string grant, string grantPodUid, string podUid);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information,
        Message = "Budget {Budget}: stopping; admitting no more opens, waiting up to {Grace} for in-flight work before releasing grant {Grant}.")]
    public static partial void Stopping(ILogger logger, string budget, string grant, TimeSpan grace);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information,
        Message = "Budget {Budget}: released grant {Grant} (every connection closed).")]
    public static partial void Released(ILogger logger, string budget, string grant);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning,
        Message = "Budget {Budget}: stop grace period {Grace} ended before grant {Grant} could be released ({CouldHold} connections could still be held, " +
                  "acknowledgement pending: {Pending}); the operator counts them until the pod is gone.")]
    public static partial void StopGraceElapsed(ILogger logger, string budget, string grant, TimeSpan grace, int? couldHold, bool pending);
}

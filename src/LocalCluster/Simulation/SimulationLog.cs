using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>The simulator's and the HPA driver's log messages.</summary>
internal static partial class SimulationLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Workload simulator started (namespaces: {Namespaces}, pending {PendingDuration}, grace {TerminationGracePeriod})")]
    public static partial void SimulatorStarted(this ILogger logger, string namespaces, TimeSpan pendingDuration, TimeSpan terminationGracePeriod);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Workload simulator stopped")]
    public static partial void SimulatorStopped(this ILogger logger);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Created pod {Namespace}/{Pod} for {Kind} {Workload}")]
    public static partial void PodCreated(this ILogger logger, string @namespace, string pod, string kind, string workload);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Pod {Namespace}/{Pod} is now {Phase}")]
    public static partial void PodPhase(this ILogger logger, string @namespace, string pod, string phase);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "Deleting pod {Namespace}/{Pod} with a grace period of {GraceSeconds} s")]
    public static partial void PodDeleting(this ILogger logger, string @namespace, string pod, long graceSeconds);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "{Operation} on {Namespace}/{Name} answered {StatusCode}; the next round retries from fresh state")]
    public static partial void ExpectedConflict(this ILogger logger, string operation, string @namespace, string name, int statusCode);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Simulating {Kind} {Namespace}/{Name} failed; retrying")]
    public static partial void WorkloadFailed(this ILogger logger, Exception exception, string kind, string @namespace, string name);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Simulation round failed; retrying in {Delay}")]
    public static partial void RoundFailed(this ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Debug, Message = "Watch of {Resource} ended; re-watching")]
    public static partial void WatchEnded(this ILogger logger, Exception? exception, string resource);

    [LoggerMessage(EventId = 3120, Level = LogLevel.Information, Message = "HPA {Namespace}/{Hpa}: step {Step} sets {Kind} {Target} to {Replicas} replicas (asked {Requested}, bounds {Min}..{Max}, was {Current})")]
    public static partial void HpaStepApplied(this ILogger logger, string @namespace, string hpa, int step, string kind, string target, int replicas, int requested, int min, int max, int current);

    [LoggerMessage(EventId = 3121, Level = LogLevel.Information, Message = "HPA {Namespace}/{Hpa}: script finished after {Steps} steps")]
    public static partial void HpaScriptFinished(this ILogger logger, string @namespace, string hpa, int steps);
}

using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>The process kubelet's log messages.</summary>
internal static partial class ProcessLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Process kubelet started for images: {Images}")]
    public static partial void KubeletStarted(this ILogger logger, string images);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Pod {Pod} container {Container} started as process {ProcessId}: {CommandLine}")]
    public static partial void ContainerStarted(this ILogger logger, string pod, string container, int processId, string commandLine);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Pod {Pod} container {Container} exited with code {ExitCode}")]
    public static partial void ContainerExited(this ILogger logger, string pod, string container, int exitCode);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Pod {Pod} container {Container} outlived its grace period of {Grace}; sending SIGKILL")]
    public static partial void ContainerKilled(this ILogger logger, string pod, string container, TimeSpan grace);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Information, Message = "Pod {Pod} container {Container}: {Probe} probe now {Succeeding}")]
    public static partial void ProbeFlipped(this ILogger logger, string pod, string container, string probe, bool succeeding);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Pod {Pod} stopping: SIGTERM, SIGKILL after {Grace}")]
    public static partial void PodStopping(this ILogger logger, string pod, TimeSpan grace);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "Pod {Pod}: talking to the API server failed; retrying")]
    public static partial void StatusFailed(this ILogger logger, Exception exception, string pod);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Process kubelet round failed; retrying")]
    public static partial void RoundFailed(this ILogger logger, Exception exception);
}

using k8s.Models;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// A process pod's status from its containers' statuses, as the kubelet computes it: phase, the
/// Ready/ContainersReady conditions (transition times kept while a condition holds), pod IP. Pure.
/// </summary>
internal static class ProcessPodStatus
{
    /// <summary>The status to report.</summary>
    /// <param name="containers">Every container's status, in spec order.</param>
    /// <param name="finished">True when no container will run again.</param>
    /// <param name="terminating">The pod is being deleted: its phase stays what it was.</param>
    /// <param name="podIp">The pod's loopback address.</param>
    /// <param name="startTime">When the kubelet took the pod on.</param>
    /// <param name="previous">The status last reported, for condition transition times.</param>
    /// <param name="now">The time for conditions that change now.</param>
    public static V1PodStatus Build(IReadOnlyList<V1ContainerStatus> containers, bool finished, bool terminating, string podIp, DateTime startTime, V1PodStatus? previous, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(containers);
        var ready = containers.Count > 0 && containers.All(c => c.Ready);
        var phase = Phase(containers, finished);
        if (terminating && previous?.Phase is { } before)
        {
            phase = before;
        }

        var notReadyReason = phase is "Succeeded" or "Failed" ? "PodCompleted" : "ContainersNotReady";
        return new V1PodStatus
        {
            Phase = phase,
            QosClass = "BestEffort",
            HostIP = "127.0.0.1",
            HostIPs = [new V1HostIP { Ip = "127.0.0.1" }],
            PodIP = podIp,
            PodIPs = [new V1PodIP { Ip = podIp }],
            StartTime = startTime,
            Conditions =
            [
                Condition(previous, "PodScheduled", "True", null, now),
                Condition(previous, "Initialized", "True", null, now),
                Condition(previous, "ContainersReady", ready ? "True" : "False", ready ? null : notReadyReason, now),
                Condition(previous, "Ready", ready ? "True" : "False", ready ? null : notReadyReason, now),
            ],
            ContainerStatuses = containers.ToList(),
        };
    }

    /// <summary>
    /// Succeeded or Failed once no container will run again (all exited 0, or one did not); Running once
    /// a container has started; Pending before.
    /// </summary>
    public static string Phase(IReadOnlyList<V1ContainerStatus> containers, bool finished)
    {
        ArgumentNullException.ThrowIfNull(containers);
        if (finished && containers.Count > 0 && containers.All(c => c.State?.Terminated is not null))
        {
            return containers.All(c => c.State.Terminated.ExitCode == 0) ? "Succeeded" : "Failed";
        }

        var everRan = containers.Any(c => c.State?.Running is not null || c.State?.Terminated is not null || c.LastState?.Terminated is not null);
        return everRan ? "Running" : "Pending";
    }

    private static V1PodCondition Condition(V1PodStatus? previous, string type, string status, string? reason, DateTime now)
    {
        var before = previous?.Conditions?.FirstOrDefault(c => c.Type == type);
        var since = before is not null && before.Status == status ? before.LastTransitionTime ?? now : now;
        return new V1PodCondition { Type = type, Status = status, Reason = reason, LastTransitionTime = since };
    }
}

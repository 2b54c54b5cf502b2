using k8s.Models;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>The pod statuses the simulated kubelet reports: Pending while "starting", then Running and Ready.</summary>
internal static class PodStatuses
{
    /// <summary>Running with a Ready condition that is True.</summary>
    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Phase == "Running"
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>A scheduled pod whose containers are being created.</summary>
    public static V1PodStatus Pending(V1Pod pod, DateTime now) => new()
    {
        Phase = "Pending",
        QosClass = "BestEffort",
        Conditions =
        [
            Condition("PodScheduled", "True", now),
            Condition("Initialized", "True", now),
            Condition("ContainersReady", "False", now, "ContainersNotReady"),
            Condition("Ready", "False", now, "ContainersNotReady"),
        ],
        ContainerStatuses = pod.Spec?.Containers?.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image ?? "",
            ImageID = "",
            Ready = false,
            Started = false,
            RestartCount = 0,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
        }).ToList(),
    };

    /// <summary>A pod whose containers all run and pass readiness.</summary>
    public static V1PodStatus Running(V1Pod pod, DateTime now, string podIp) => new()
    {
        Phase = "Running",
        QosClass = "BestEffort",
        HostIP = "10.0.0.1",
        PodIP = podIp,
        PodIPs = [new V1PodIP { Ip = podIp }],
        StartTime = now,
        Conditions =
        [
            Condition("PodScheduled", "True", now),
            Condition("Initialized", "True", now),
            Condition("ContainersReady", "True", now),
            Condition("Ready", "True", now),
        ],
        ContainerStatuses = pod.Spec?.Containers?.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image ?? "",
            ImageID = "",
            Ready = true,
            Started = true,
            RestartCount = 0,
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } },
        }).ToList(),
    };

    /// <summary>
    /// A deleted pod whose containers have exited: the kubelet (1.27 and later) reports a terminal phase before it
    /// removes the pod, so a watcher sees that nothing runs any more (a force delete shows no such status).
    /// </summary>
    public static V1PodStatus Terminated(V1Pod pod, DateTime now) => new()
    {
        Phase = "Succeeded",
        QosClass = "BestEffort",
        Conditions =
        [
            Condition("PodScheduled", "True", now),
            Condition("Initialized", "True", now),
            Condition("ContainersReady", "False", now, "PodCompleted"),
            Condition("Ready", "False", now, "PodCompleted"),
        ],
        ContainerStatuses = pod.Spec?.Containers?.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image ?? "",
            ImageID = "",
            Ready = false,
            Started = false,
            RestartCount = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == c.Name)?.RestartCount ?? 0,
            State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", FinishedAt = now } },
        }).ToList(),
    };

    private static V1PodCondition Condition(string type, string status, DateTime now, string? reason = null) =>
        new() { Type = type, Status = status, LastTransitionTime = now, Reason = reason };
}

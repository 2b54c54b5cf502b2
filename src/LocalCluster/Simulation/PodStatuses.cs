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
        Conditions = Conditions(now, containersReady: false, "ContainersNotReady"),
        ContainerStatuses = Containers(pod, ready: false, _ => new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } }),
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
        Conditions = Conditions(now, containersReady: true, null),
        ContainerStatuses = Containers(pod, ready: true, _ => new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = now } }),
    };

    /// <summary>
    /// A deleted pod whose containers have exited: the kubelet (1.27 and later) reports a terminal phase before it
    /// removes the pod, so a watcher sees that nothing runs any more (a force delete shows no such status).
    /// </summary>
    public static V1PodStatus Terminated(V1Pod pod, DateTime now) => new()
    {
        Phase = "Succeeded",
        QosClass = "BestEffort",
        Conditions = Conditions(now, containersReady: false, "PodCompleted"),
        ContainerStatuses = Containers(pod, ready: false, _ => new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed", FinishedAt = now } }),
    };

    private static List<V1PodCondition> Conditions(DateTime now, bool containersReady, string? notReadyReason) =>
    [
        Condition("PodScheduled", "True", now),
        Condition("Initialized", "True", now),
        Condition("ContainersReady", containersReady ? "True" : "False", now, notReadyReason),
        Condition("Ready", containersReady ? "True" : "False", now, notReadyReason),
    ];

    private static List<V1ContainerStatus>? Containers(V1Pod pod, bool ready, Func<V1Container, V1ContainerState> state) =>
        pod.Spec?.Containers?.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image ?? "",
            ImageID = "",
            Ready = ready,
            Started = ready,
            RestartCount = 0,
            State = state(c),
        }).ToList();

    private static V1PodCondition Condition(string type, string status, DateTime now, string? reason = null) =>
        new() { Type = type, Status = status, LastTransitionTime = now, Reason = reason };
}

using k8s.Models;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Computes a workload's status from its pods. Each method returns null when the stored status already
/// says the same, so an unchanged workload causes no write and no watch traffic.
/// </summary>
internal static class WorkloadStatuses
{
    /// <summary>The Deployment status the pods call for, or null when <paramref name="stored"/> already matches.</summary>
    public static V1DeploymentStatus? ForDeployment(SimulatedWorkload workload, DeploymentStrategy strategy, IReadOnlyCollection<SimulatedPod> pods, V1DeploymentStatus? stored, DateTime now)
    {
        var active = pods.Where(p => !p.Terminating).ToList();
        var replicas = active.Count;
        var updated = active.Count(p => p.Revision == workload.Revision);
        var ready = active.Count(p => p.Ready);
        var complete = updated == workload.Replicas && replicas == workload.Replicas && ready == workload.Replicas;
        var minimumAvailable = ready >= workload.Replicas - strategy.MaxUnavailable;

        var status = new V1DeploymentStatus
        {
            ObservedGeneration = workload.Generation,
            Replicas = replicas,
            UpdatedReplicas = updated,
            ReadyReplicas = ready,
            AvailableReplicas = ready,
            UnavailableReplicas = Math.Max(0, workload.Replicas - ready),
            Conditions =
            [
                DeploymentCondition(stored, "Available", minimumAvailable ? "True" : "False", minimumAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", now),
                DeploymentCondition(stored, "Progressing", "True", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated", now),
            ],
        };

        return stored is not null
            && stored.ObservedGeneration == status.ObservedGeneration
            && (stored.Replicas ?? 0) == replicas
            && (stored.UpdatedReplicas ?? 0) == updated
            && (stored.ReadyReplicas ?? 0) == ready
            && (stored.AvailableReplicas ?? 0) == ready
            && (stored.UnavailableReplicas ?? 0) == status.UnavailableReplicas
            && SameConditions(stored.Conditions?.Select(c => (c.Type, c.Status, c.Reason)), status.Conditions.Select(c => (c.Type, c.Status, c.Reason)))
            ? null
            : status;
    }

    /// <summary>The StatefulSet status the pods call for, or null when <paramref name="stored"/> already matches.</summary>
    public static V1StatefulSetStatus? ForStatefulSet(SimulatedWorkload workload, IReadOnlyCollection<SimulatedPod> pods, V1StatefulSetStatus? stored)
    {
        var active = pods.Where(p => !p.Terminating).ToList();
        var replicas = active.Count;
        var updated = active.Count(p => p.Revision == workload.Revision);
        var ready = active.Count(p => p.Ready);

        // The simulator does not keep revision history: the current revision is the update revision,
        // and pods of older templates are the ones still to be replaced.
        var status = new V1StatefulSetStatus
        {
            ObservedGeneration = workload.Generation,
            Replicas = replicas,
            ReadyReplicas = ready,
            AvailableReplicas = ready,
            CurrentReplicas = updated,
            UpdatedReplicas = updated,
            CurrentRevision = workload.Revision,
            UpdateRevision = workload.Revision,
        };

        return stored is not null
            && stored.ObservedGeneration == status.ObservedGeneration
            && stored.Replicas == replicas
            && (stored.ReadyReplicas ?? 0) == ready
            && (stored.AvailableReplicas ?? 0) == ready
            && (stored.CurrentReplicas ?? 0) == updated
            && (stored.UpdatedReplicas ?? 0) == updated
            && stored.CurrentRevision == status.CurrentRevision
            && stored.UpdateRevision == status.UpdateRevision
            ? null
            : status;
    }

    /// <summary>A condition that keeps its stored transition time while its status does not change.</summary>
    private static V1DeploymentCondition DeploymentCondition(V1DeploymentStatus? stored, string type, string status, string reason, DateTime now)
    {
        var previous = stored?.Conditions?.FirstOrDefault(c => c.Type == type);
        var transition = previous is not null && previous.Status == status ? previous.LastTransitionTime ?? now : now;
        return new V1DeploymentCondition { Type = type, Status = status, Reason = reason, LastTransitionTime = transition, LastUpdateTime = now };
    }

    private static bool SameConditions(IEnumerable<(string Type, string Status, string Reason)>? stored, IEnumerable<(string Type, string Status, string Reason)> wanted) =>
        stored is not null && stored.OrderBy(c => c.Type, StringComparer.Ordinal).SequenceEqual(wanted.OrderBy(c => c.Type, StringComparer.Ordinal));
}

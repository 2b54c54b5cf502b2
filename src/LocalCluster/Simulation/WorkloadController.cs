using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Plays the Deployment, ReplicaSet and StatefulSet controllers for one round: plans with the pure
/// planners, creates and deletes pods, and writes the workload's status when it changed.
/// </summary>
internal sealed class WorkloadController(IKubernetes client, SimulatedKubelet kubelet, PodClock clock, ILogger logger)
{
    private long _lastSequence;

    /// <summary>Brings one Deployment's pods a step toward spec.replicas and its current template.</summary>
    public async Task ReconcileAsync(V1Deployment deployment, IReadOnlyList<V1Pod> ownedPods, CancellationToken cancellationToken)
    {
        var workload = SimulatedWorkload.From(deployment);
        var pods = ownedPods.Select(workload.View).ToList();
        var rolling = deployment.Spec?.Strategy?.RollingUpdate;
        var strategy = DeploymentPlanner.ResolveStrategy(deployment.Spec?.Strategy?.Type, rolling?.MaxSurge?.Value, rolling?.MaxUnavailable?.Value, workload.Replicas);

        var status = WorkloadStatuses.ForDeployment(workload, strategy, pods, deployment.Status, clock.Now.UtcDateTime);
        if (status is not null)
        {
            var patch = new V1Patch("{\"status\":" + KubernetesJson.Serialize(status) + "}", V1Patch.PatchType.MergePatch);
            await TolerateConflictAsync("patch deployment status", workload, () =>
                client.AppsV1.PatchNamespacedDeploymentStatusAsync(body: patch, name: workload.Name, namespaceParameter: workload.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var plan = DeploymentPlanner.Plan(workload.Replicas, workload.Revision, strategy, pods);
        foreach (var pod in plan.Delete)
        {
            await kubelet.DeleteGracefullyAsync(workload.Namespace, pod, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < plan.Create; i++)
        {
            await CreatePodAsync(workload, PodFactory.DeploymentPodName(workload), ordinal: null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Brings one StatefulSet's pods a step toward spec.replicas and its current template.</summary>
    public async Task ReconcileAsync(V1StatefulSet statefulSet, IReadOnlyList<V1Pod> ownedPods, CancellationToken cancellationToken)
    {
        var workload = SimulatedWorkload.From(statefulSet);
        var pods = ownedPods.Select(workload.View).ToList();

        var status = WorkloadStatuses.ForStatefulSet(workload, pods, statefulSet.Status);
        if (status is not null)
        {
            var patch = new V1Patch("{\"status\":" + KubernetesJson.Serialize(status) + "}", V1Patch.PatchType.MergePatch);
            await TolerateConflictAsync("patch statefulset status", workload, () =>
                client.AppsV1.PatchNamespacedStatefulSetStatusAsync(body: patch, name: workload.Name, namespaceParameter: workload.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var parallel = string.Equals(statefulSet.Spec?.PodManagementPolicy, "Parallel", StringComparison.Ordinal);
        var onDelete = string.Equals(statefulSet.Spec?.UpdateStrategy?.Type, "OnDelete", StringComparison.Ordinal);
        var plan = StatefulSetPlanner.Plan(workload.Replicas, workload.Revision, parallel, onDelete, pods);
        foreach (var pod in plan.Delete)
        {
            await kubelet.DeleteGracefullyAsync(workload.Namespace, pod, cancellationToken).ConfigureAwait(false);
        }

        foreach (var ordinal in plan.Create)
        {
            await CreatePodAsync(workload, PodFactory.StatefulSetPodName(workload, ordinal), ordinal, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CreatePodAsync(SimulatedWorkload workload, string name, int? ordinal, CancellationToken cancellationToken)
    {
        // Strictly increasing even when the clock stands still (a fake clock, or two pods in one tick).
        _lastSequence = Math.Max(_lastSequence + 1, clock.Now.UtcTicks);
        var pod = PodFactory.Create(workload, name, ordinal, _lastSequence);
        V1Pod created;
        try
        {
            created = await client.CoreV1.CreateNamespacedPodAsync(body: pod, namespaceParameter: workload.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict)
        {
            // A namesake still terminating, or a name collision: the next round plans again.
            logger.ExpectedConflict("create pod", workload.Namespace, name, (int)e.Response.StatusCode);
            return;
        }

        logger.PodCreated(workload.Namespace, name, workload.Kind, workload.Name);
        await kubelet.ReportPendingAsync(created, cancellationToken).ConfigureAwait(false);
    }

    private async Task TolerateConflictAsync<T>(string operation, SimulatedWorkload workload, Func<Task<T>> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            logger.ExpectedConflict(operation, workload.Namespace, workload.Name, (int)e.Response.StatusCode);
        }
    }
}

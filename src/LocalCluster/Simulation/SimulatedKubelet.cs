using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Plays the kubelet for the workloads' pods: reports a new pod Pending, then Running and Ready once
/// <see cref="WorkloadSimulatorOptions.PendingDuration"/> has passed, and removes a Terminating pod for
/// good once <see cref="WorkloadSimulatorOptions.TerminationGracePeriod"/> has passed.
/// </summary>
internal sealed class SimulatedKubelet(IKubernetes client, WorkloadSimulatorOptions options, PodClock clock, ILogger logger)
{
    private readonly HashSet<string> _processImages = new(options.ProcessImages ?? [], StringComparer.Ordinal);
    private readonly HashSet<string> _processPods = new(StringComparer.Ordinal);
    private int _lastAddress;

    /// <summary>True when the server's process kubelet runs this pod: this one leaves it alone.</summary>
    private bool RunsElsewhere(V1Pod pod)
    {
        var elsewhere = _processImages.Count > 0 && pod.Spec?.Containers?.Any(c => c.Image is not null && _processImages.Contains(c.Image)) == true;
        if (elsewhere)
        {
            _processPods.Add(pod.Metadata.Uid ?? "");
        }

        return elsewhere;
    }

    /// <summary>Forgets process pods that no longer exist.</summary>
    public void Retain(IReadOnlySet<string> liveUids) => _processPods.RemoveWhere(uid => !liveUids.Contains(uid));

    /// <summary>Moves one pod along its lifecycle if it is due.</summary>
    /// <returns>When this pod next needs attention, or null when it needs none.</returns>
    public async Task<DateTimeOffset?> TendAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var uid = pod.Metadata.Uid ?? "";
        if (RunsElsewhere(pod))
        {
            return null;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var due = clock.TerminatingSince(uid) + options.TerminationGracePeriod;
            if (clock.Now < due)
            {
                return due;
            }

            // As the kubelet does since 1.27: the terminal phase first, then the pod goes.
            await PatchStatusAsync(pod, PodStatuses.Terminated(pod, clock.Now.UtcDateTime), cancellationToken).ConfigureAwait(false);
            await DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, uid, 0, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (string.IsNullOrEmpty(pod.Status?.Phase))
        {
            await ReportPendingAsync(pod, cancellationToken).ConfigureAwait(false);
        }

        if (PodStatuses.IsReady(pod))
        {
            return null;
        }

        var ready = clock.SeenSince(uid) + options.PendingDuration;
        if (clock.Now < ready)
        {
            return ready;
        }

        var address = Interlocked.Increment(ref _lastAddress);
        var podIp = string.Create(CultureInfo.InvariantCulture, $"10.244.{(address >> 8) & 0xFF}.{address & 0xFF}");
        await PatchStatusAsync(pod, PodStatuses.Running(pod, clock.Now.UtcDateTime, podIp), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Reports a pod just created as Pending and starts its pending time.</summary>
    public async Task ReportPendingAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (RunsElsewhere(pod))
        {
            return;
        }

        _ = clock.SeenSince(pod.Metadata.Uid ?? "");
        await PatchStatusAsync(pod, PodStatuses.Pending(pod, clock.Now.UtcDateTime), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a pod with the configured grace period: the server marks it Terminating and this kubelet
    /// removes it when the grace period is over. With no grace period it goes at once.
    /// </summary>
    public async Task DeleteGracefullyAsync(string @namespace, SimulatedPod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (_processPods.Remove(pod.Uid))
        {
            // A real process stops in its own time: the pod's terminationGracePeriodSeconds, as a controller's deletion gets.
            await DeleteAsync(@namespace, pod.Name, pod.Uid, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var grace = (long)Math.Ceiling(options.TerminationGracePeriod.TotalSeconds);
        _ = clock.TerminatingSince(pod.Uid);
        await DeleteAsync(@namespace, pod.Name, pod.Uid, grace, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(string @namespace, string name, string uid, long? graceSeconds, CancellationToken cancellationToken)
    {
        logger.PodDeleting(@namespace, name, graceSeconds ?? -1);

        // The uid precondition keeps a late deletion from hitting a StatefulSet pod's successor of the same name.
        var body = new V1DeleteOptions
        {
            GracePeriodSeconds = graceSeconds,
            Preconditions = string.IsNullOrEmpty(uid) ? null : new V1Preconditions { Uid = uid },
        };
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name: name, namespaceParameter: @namespace, body: body, gracePeriodSeconds: (int?)graceSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            logger.ExpectedConflict("delete pod", @namespace, name, (int)e.Response.StatusCode);
        }
    }

    private async Task PatchStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken cancellationToken)
    {
        var patch = new V1Patch("{\"status\":" + KubernetesJson.Serialize(status) + "}", V1Patch.PatchType.MergePatch);
        try
        {
            await client.CoreV1.PatchNamespacedPodStatusAsync(body: patch, name: pod.Metadata.Name, namespaceParameter: pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            logger.PodPhase(pod.Metadata.NamespaceProperty, pod.Metadata.Name, status.Phase);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            logger.ExpectedConflict("patch pod status", pod.Metadata.NamespaceProperty, pod.Metadata.Name, (int)e.Response.StatusCode);
        }
    }
}

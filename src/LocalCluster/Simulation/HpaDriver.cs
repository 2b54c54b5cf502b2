using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Stands in for the horizontal pod autoscaler controller: instead of computing replicas from
/// metrics it takes them from an <see cref="HpaScript"/>, clamps them to the HPA's minReplicas and
/// maxReplicas, sets the target's replicas through its <c>/scale</c> subresource and then records the
/// decision in the HPA's status (desiredReplicas, currentReplicas, lastScaleTime), in that order, as the real
/// controller's reconcileAutoscaler does (<c>Scales().Update</c>, then <c>updateStatusIfNeeded</c>): the new pods
/// may exist before <c>status.desiredReplicas</c> says they are wanted, never the other way round.
/// </summary>
public sealed class HpaDriver
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _hpaName;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates a driver for one autoscaling/v2 HorizontalPodAutoscaler.</summary>
    /// <param name="client">A client of the cluster.</param>
    /// <param name="namespace">The HPA's namespace.</param>
    /// <param name="hpaName">The HPA's name.</param>
    /// <param name="timeProvider">The clock the script's times are measured on.</param>
    /// <param name="logger">Where each applied step is logged.</param>
    public HpaDriver(IKubernetes client, string @namespace, string hpaName, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(hpaName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _client = client;
        _namespace = @namespace;
        _hpaName = hpaName;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Runs the script from now: waits for each step's time, then applies it.</summary>
    /// <returns>The replica counts applied, one per step, after clamping.</returns>
    public async Task<IReadOnlyList<int>> RunAsync(HpaScript script, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        var start = _timeProvider.GetUtcNow();
        var applied = new List<int>(script.Steps.Count);
        for (var i = 0; i < script.Steps.Count; i++)
        {
            var step = script.Steps[i];
            var wait = start + step.Offset - _timeProvider.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            applied.Add(await ApplyAsync(step.Replicas, i + 1, cancellationToken).ConfigureAwait(false));
        }

        _logger.HpaScriptFinished(_namespace, _hpaName, script.Steps.Count);
        return applied;
    }

    /// <summary>Applies one decision now.</summary>
    /// <param name="replicas">The replicas asked for; clamped to the HPA's bounds.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The replica count set on the target.</returns>
    /// <exception cref="InvalidOperationException">The HPA targets something other than a Deployment or StatefulSet.</exception>
    public Task<int> SetReplicasAsync(int replicas, CancellationToken cancellationToken) => ApplyAsync(replicas, 0, cancellationToken);

    private async Task<int> ApplyAsync(int requested, int stepNumber, CancellationToken cancellationToken)
    {
        var hpa = await _client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name: _hpaName, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var target = hpa.Spec?.ScaleTargetRef
            ?? throw new InvalidOperationException($"HorizontalPodAutoscaler {_namespace}/{_hpaName}: spec.scaleTargetRef is missing.");
        var min = hpa.Spec.MinReplicas ?? 1;
        var max = Math.Max(min, hpa.Spec.MaxReplicas);
        var replicas = Math.Clamp(requested, min, max);

        var scale = await ReadScaleAsync(target, cancellationToken).ConfigureAwait(false);
        var current = scale.Status?.Replicas ?? scale.Spec?.Replicas ?? 0;

        var scalePatch = new V1Patch("{\"spec\":{\"replicas\":" + replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", V1Patch.PatchType.MergePatch);
        _ = target.Kind switch
        {
            "Deployment" => await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(body: scalePatch, name: target.Name, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
            _ => await _client.AppsV1.PatchNamespacedStatefulSetScaleAsync(body: scalePatch, name: target.Name, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
        };

        // Only then the decision goes into the HPA's status: code that waits for desiredReplicas to plan
        // ahead of new pods is too late on a real cluster, and so it is here.
        var status = new V2HorizontalPodAutoscalerStatus
        {
            CurrentReplicas = current,
            DesiredReplicas = replicas,
            LastScaleTime = _timeProvider.GetUtcNow().UtcDateTime,
            ObservedGeneration = hpa.Metadata.Generation,
        };
        var statusPatch = new V1Patch("{\"status\":" + KubernetesJson.Serialize(status) + "}", V1Patch.PatchType.MergePatch);
        await _client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerStatusAsync(body: statusPatch, name: _hpaName, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false);

        _logger.HpaStepApplied(_namespace, _hpaName, stepNumber, target.Kind, target.Name, replicas, requested, min, max, current);
        return replicas;
    }

    private async Task<V1Scale> ReadScaleAsync(V2CrossVersionObjectReference target, CancellationToken cancellationToken) => target.Kind switch
    {
        "Deployment" => await _client.AppsV1.ReadNamespacedDeploymentScaleAsync(name: target.Name, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
        "StatefulSet" => await _client.AppsV1.ReadNamespacedStatefulSetScaleAsync(name: target.Name, namespaceParameter: _namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
        _ => throw new InvalidOperationException(
            $"HorizontalPodAutoscaler {_namespace}/{_hpaName}: spec.scaleTargetRef.kind is \"{target.Kind}\"; the driver scales Deployments and StatefulSets only."),
    };
}

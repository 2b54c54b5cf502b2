using k8s.Models;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>A Deployment or StatefulSet, reduced to what the simulator acts on.</summary>
/// <param name="Kind"><c>Deployment</c> or <c>StatefulSet</c>.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">Its name.</param>
/// <param name="Uid">Its uid, which the pods' controller ownerReference names.</param>
/// <param name="Generation">metadata.generation, reported back as status.observedGeneration.</param>
/// <param name="Replicas">spec.replicas (1 when unset).</param>
/// <param name="Template">spec.template.</param>
/// <param name="Revision">The revision label value of pods made from the current template.</param>
internal sealed record SimulatedWorkload(
    string Kind,
    string Namespace,
    string Name,
    string Uid,
    long Generation,
    int Replicas,
    V1PodTemplateSpec Template,
    string Revision)
{
    /// <summary>apps/v1 Deployment.</summary>
    public const string DeploymentKind = "Deployment";

    /// <summary>apps/v1 StatefulSet.</summary>
    public const string StatefulSetKind = "StatefulSet";

    /// <summary>The label that carries <see cref="Revision"/> on the pods.</summary>
    public string RevisionLabel => Kind == DeploymentKind ? SimulationLabels.PodTemplateHash : SimulationLabels.ControllerRevisionHash;

    /// <summary>Reads a Deployment.</summary>
    public static SimulatedWorkload From(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var template = deployment.Spec?.Template ?? new V1PodTemplateSpec();
        return new SimulatedWorkload(
            DeploymentKind,
            deployment.Metadata.NamespaceProperty ?? "default",
            deployment.Metadata.Name,
            deployment.Metadata.Uid ?? "",
            deployment.Metadata.Generation ?? 0,
            Math.Max(0, deployment.Spec?.Replicas ?? 1),
            template,
            TemplateHash.Of(template));
    }

    /// <summary>Reads a StatefulSet.</summary>
    public static SimulatedWorkload From(V1StatefulSet statefulSet)
    {
        ArgumentNullException.ThrowIfNull(statefulSet);
        var template = statefulSet.Spec?.Template ?? new V1PodTemplateSpec();
        return new SimulatedWorkload(
            StatefulSetKind,
            statefulSet.Metadata.NamespaceProperty ?? "default",
            statefulSet.Metadata.Name,
            statefulSet.Metadata.Uid ?? "",
            statefulSet.Metadata.Generation ?? 0,
            Math.Max(0, statefulSet.Spec?.Replicas ?? 1),
            template,
            statefulSet.Metadata.Name + "-" + TemplateHash.Of(template));
    }

    /// <summary>True when <paramref name="pod"/>'s controller is this workload.</summary>
    public bool Owns(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.NamespaceProperty == Namespace
            && pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == Uid && o.Kind == Kind) == true;
    }

    /// <summary>The planners' view of one of this workload's pods.</summary>
    public SimulatedPod View(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var labels = pod.Metadata.Labels;
        var annotations = pod.Metadata.Annotations;
        var revision = labels is not null && labels.TryGetValue(RevisionLabel, out var r) ? r : "";
        long sequence = 0;
        if (annotations is not null && annotations.TryGetValue(SimulationLabels.SequenceAnnotation, out var s))
        {
            _ = long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence);
        }

        return new SimulatedPod(
            pod.Metadata.Name,
            pod.Metadata.Uid ?? "",
            revision,
            PodStatuses.IsReady(pod),
            pod.Metadata.DeletionTimestamp is not null,
            Kind == StatefulSetKind ? OrdinalOf(pod.Metadata.Name) : null,
            sequence,
            pod.Metadata.CreationTimestamp);
    }

    /// <summary>The ordinal in <c>name-N</c>, or null for a pod that is not one of this StatefulSet's.</summary>
    private int? OrdinalOf(string podName)
    {
        var prefix = Name + "-";
        return podName.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(podName.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;
    }
}

using System.Globalization;
using k8s;
using k8s.Models;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>Makes a workload's pod from its template, the way the ReplicaSet and StatefulSet controllers do.</summary>
internal static class PodFactory
{
    // Pod names stay DNS labels (63 characters) so they fit in label values, e.g. the grant's pod label.
    private const int MaxNameLength = 63;

    /// <summary>The name of a new Deployment pod: <c>name-templatehash-xxxxx</c>.</summary>
    public static string DeploymentPodName(SimulatedWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var suffix = "-" + workload.Revision + "-" + TemplateHash.RandomSuffix();
        var prefix = workload.Name.Length + suffix.Length > MaxNameLength ? workload.Name[..(MaxNameLength - suffix.Length)] : workload.Name;
        return prefix + suffix;
    }

    /// <summary>The name of a StatefulSet pod: <c>name-ordinal</c>.</summary>
    public static string StatefulSetPodName(SimulatedWorkload workload, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(workload);
        return workload.Name + "-" + ordinal.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A pod of <paramref name="workload"/>, labelled from its template and owned by it.</summary>
    /// <param name="workload">The owner.</param>
    /// <param name="name">The pod's name.</param>
    /// <param name="ordinal">The StatefulSet ordinal, or null for a Deployment pod.</param>
    /// <param name="sequence">The simulator's creation stamp.</param>
    public static V1Pod Create(SimulatedWorkload workload, string name, int? ordinal, long sequence)
    {
        ArgumentNullException.ThrowIfNull(workload);

        // A deep copy: the template object belongs to the listed workload and must not be shared.
        var template = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(workload.Template));
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [workload.RevisionLabel] = workload.Revision,
        };
        if (ordinal is { } index)
        {
            labels[SimulationLabels.StatefulSetPodName] = name;
            labels[SimulationLabels.PodIndex] = index.ToString(CultureInfo.InvariantCulture);
        }

        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [SimulationLabels.SequenceAnnotation] = sequence.ToString("D19", CultureInfo.InvariantCulture),
        };

        var spec = template.Spec ?? new V1PodSpec { Containers = [] };
        if (ordinal is not null)
        {
            spec.Hostname = name;
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = workload.Namespace,
                Labels = labels,
                Annotations = annotations,
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "apps/v1",
                        Kind = workload.Kind,
                        Name = workload.Name,
                        Uid = workload.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = spec,
        };
    }
}

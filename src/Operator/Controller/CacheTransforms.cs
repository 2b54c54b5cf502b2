using k8s;
using k8s.Models;
using PoolOperator.Api;
using static PoolOperator.Operator.Controller.CacheStrings;

namespace PoolOperator.Operator.Controller;

/// <summary>
/// The informer transforms: each keeps of an object only what the operator reads, so that the
/// cache of 10,000 pods holds a few hundred bytes per pod instead of the 5-10 KB a real pod weighs
/// (managedFields, env, volumes, container statuses). A field the reconciler starts to read must
/// be added here, or it reads null.
/// </summary>
public static class CacheTransforms
{
    /// <summary>
    /// A pod as the budget controller reads it: identity, labels, owners, deletion, phase, the
    /// Ready condition and each container's started/ready flags and whether it exited.
    /// </summary>
    public static V1Pod Pod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new V1Pod
        {
            ApiVersion = Shared(pod.ApiVersion),
            Kind = Shared(pod.Kind),
            Metadata = Metadata(pod.Metadata),
            Status = pod.Status is not { } status
                ? null
                : new V1PodStatus
                {
                    Phase = Shared(status.Phase),
                    Conditions = status.Conditions?.Where(c => c.Type == "Ready")
                        .Select(c => new V1PodCondition { Type = Shared(c.Type), Status = Shared(c.Status), LastTransitionTime = c.LastTransitionTime })
                        .ToList(),
                    ContainerStatuses = status.ContainerStatuses?
                        .Select(c => new V1ContainerStatus
                        {
                            Name = Shared(c.Name),
                            Ready = c.Ready,
                            Started = c.Started,

                            // Only whether it has exited: a deleted pod whose containers all exited holds nothing.
                            State = c.State?.Terminated is { } exited ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exited.ExitCode } } : null,
                        })
                        .ToList(),
                },
        };
    }

    /// <summary>A Deployment as the budget controller reads it: identity, replicas and selector (not the pod template).</summary>
    public static V1Deployment Deployment(V1Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return new V1Deployment
        {
            ApiVersion = deployment.ApiVersion,
            Kind = deployment.Kind,
            Metadata = Metadata(deployment.Metadata),
            Spec = deployment.Spec is not { } spec ? null : new V1DeploymentSpec { Replicas = spec.Replicas, Selector = spec.Selector },
        };
    }

    /// <summary>A StatefulSet as the budget controller reads it: identity, replicas and selector.</summary>
    public static V1StatefulSet StatefulSet(V1StatefulSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new V1StatefulSet
        {
            ApiVersion = set.ApiVersion,
            Kind = set.Kind,
            Metadata = Metadata(set.Metadata),
            Spec = set.Spec is not { } spec ? null : new V1StatefulSetSpec { Replicas = spec.Replicas, Selector = spec.Selector },
        };
    }

    /// <summary>An HPA as the budget controller reads it: its target, bounds and decision.</summary>
    public static V2HorizontalPodAutoscaler HorizontalPodAutoscaler(V2HorizontalPodAutoscaler hpa)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = hpa.ApiVersion,
            Kind = hpa.Kind,
            Metadata = Metadata(hpa.Metadata),
            Spec = hpa.Spec is not { } spec
                ? null
                : new V2HorizontalPodAutoscalerSpec { ScaleTargetRef = spec.ScaleTargetRef, MinReplicas = spec.MinReplicas, MaxReplicas = spec.MaxReplicas },
            Status = hpa.Status is not { } status
                ? null
                : new V2HorizontalPodAutoscalerStatus { DesiredReplicas = status.DesiredReplicas, CurrentReplicas = status.CurrentReplicas },
        };
    }

    /// <summary>
    /// An object of the operator's own kinds, whole but for managedFields and kubectl's
    /// last-applied annotation (a second copy of the object): spec and status are all read.
    /// </summary>
    public static T WithoutManagedFields<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.Metadata is { } metadata)
        {
            metadata.ManagedFields = null;
            metadata.Annotations?.Remove("kubectl.kubernetes.io/last-applied-configuration");
        }

        return obj;
    }

    /// <summary>
    /// A grant as the operator reads it: whole but for managedFields and the last-applied annotation, with the strings
    /// that repeat across grants (namespace, labels, term, finalizer, owner kind, budget and workload) pooled.
    /// </summary>
    public static ConnectionGrant Grant(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        WithoutManagedFields(grant);
        grant.ApiVersion = Shared(grant.ApiVersion)!;
        grant.Kind = Shared(grant.Kind)!;
        if (grant.Metadata is { } metadata)
        {
            metadata.NamespaceProperty = Shared(metadata.NamespaceProperty);
            metadata.Labels = SharedMap(metadata.Labels);
            metadata.Annotations = SharedMap(metadata.Annotations);
            metadata.Finalizers = SharedList(metadata.Finalizers);
            metadata.OwnerReferences = Owners(metadata.OwnerReferences, sharedOwner: false);
        }

        if (grant.Spec is { } spec)
        {
            spec.BudgetName = Shared(spec.BudgetName)!;
            spec.WorkloadName = Shared(spec.WorkloadName);
        }

        if (grant.Status is { } status)
        {
            status.Phase = Shared(status.Phase);
        }

        return grant;
    }

    /// <summary>The metadata every cached object keeps (annotations and managedFields dropped).</summary>
    private static V1ObjectMeta Metadata(V1ObjectMeta? metadata) =>
        metadata is null
            ? new V1ObjectMeta()
            : new V1ObjectMeta
            {
                Name = metadata.Name,
                NamespaceProperty = Shared(metadata.NamespaceProperty),
                Uid = metadata.Uid,
                ResourceVersion = metadata.ResourceVersion,
                Generation = metadata.Generation,
                CreationTimestamp = metadata.CreationTimestamp,
                DeletionTimestamp = metadata.DeletionTimestamp,
                Labels = SharedMap(metadata.Labels),
                OwnerReferences = Owners(metadata.OwnerReferences, sharedOwner: true),
            };

    /// <summary>
    /// Owner references with what the operator reads. A workload's ReplicaSet owns many pods, so its name and UID are
    /// pooled (<paramref name="sharedOwner"/>); a grant's owner is its one pod, so only the owner's kind is.
    /// </summary>
    private static List<V1OwnerReference>? Owners(IList<V1OwnerReference>? owners, bool sharedOwner) =>
        owners?
            .Select(o => new V1OwnerReference
            {
                ApiVersion = Shared(o.ApiVersion),
                Kind = Shared(o.Kind),
                Name = sharedOwner ? Shared(o.Name) : o.Name,
                Uid = sharedOwner ? Shared(o.Uid) : o.Uid,
                Controller = o.Controller,
                BlockOwnerDeletion = o.BlockOwnerDeletion,
            })
            .ToList();
}

using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Maps changes of every watched kind to the keys of the budgets they concern, and adds those keys
/// to the work queue. Grant status changes (acknowledgements) count: they free capacity.
/// </summary>
public sealed class BudgetEventMapping
{
    private readonly BudgetInformers informers;
    private readonly Action<ObjectKey> enqueue;

    /// <summary>Creates the mapping; <paramref name="enqueue"/> receives budget keys.</summary>
    public BudgetEventMapping(BudgetInformers informers, Action<ObjectKey> enqueue)
    {
        this.informers = informers ?? throw new ArgumentNullException(nameof(informers));
        this.enqueue = enqueue ?? throw new ArgumentNullException(nameof(enqueue));
    }

    /// <summary>Registers the handlers on every informer; call once, before the informers run.</summary>
    public void Register()
    {
        informers.Budgets.AddHandler((old, @new) => enqueue(ObjectKey.Of((old ?? @new)!)));
        informers.Grants.AddHandler((old, @new) => Enqueue(ForGrant(old), ForGrant(@new)));
        informers.Pods.AddHandler((old, @new) => Enqueue(ForPod(old), ForPod(@new)));
        informers.Deployments.AddHandler((old, @new) => Enqueue(ForWorkload(WorkloadKinds.Deployment, old ?? @new)));
        informers.StatefulSets.AddHandler((old, @new) => Enqueue(ForWorkload(WorkloadKinds.StatefulSet, old ?? @new)));
        informers.Hpas.AddHandler((old, @new) => Enqueue(ForHpa(old), ForHpa(@new)));
    }

    /// <summary>The budget a grant belongs to (by its budget label).</summary>
    public static IEnumerable<ObjectKey> ForGrant(ConnectionGrant? grant)
    {
        if (grant?.Metadata.Labels?.TryGetValue(ApiGroup.BudgetLabel, out var budget) == true)
        {
            yield return new ObjectKey(grant.Metadata.NamespaceProperty ?? "", budget);
        }
    }

    /// <summary>The budgets of the namespace with a workload whose selector matches the pod.</summary>
    public IEnumerable<ObjectKey> ForPod(V1Pod? pod)
    {
        if (pod is null)
        {
            return [];
        }

        var ns = pod.Metadata.NamespaceProperty ?? "";
        var keys = new List<ObjectKey>();
        foreach (var budget in informers.Budgets.Cache.List(ns))
        {
            foreach (var workload in budget.Spec.Workloads)
            {
                var selector = workload.Kind == WorkloadKinds.StatefulSet
                    ? informers.StatefulSets.Cache.Get(new ObjectKey(ns, workload.Name))?.Spec?.Selector
                    : informers.Deployments.Cache.Get(new ObjectKey(ns, workload.Name))?.Spec?.Selector;
                if (LabelSelectors.Matches(selector, pod.Metadata.Labels))
                {
                    keys.Add(ObjectKey.Of(budget));
                    break;
                }
            }
        }

        return keys;
    }

    /// <summary>The budgets that name the workload.</summary>
    public IEnumerable<ObjectKey> ForWorkload(string kind, V1ObjectMeta? workload) =>
        workload is null
            ? []
            : informers.Budgets.Cache
                .ByIndex(BudgetInformers.BudgetsByWorkload, BudgetInformers.WorkloadIndex(workload.NamespaceProperty, kind, workload.Name))
                .Select(ObjectKey.Of);

    private IEnumerable<ObjectKey> ForWorkload(string kind, k8s.IKubernetesObject<V1ObjectMeta>? workload) => ForWorkload(kind, workload?.Metadata);

    /// <summary>The budgets that name the HPA's scale target.</summary>
    public IEnumerable<ObjectKey> ForHpa(V2HorizontalPodAutoscaler? hpa) =>
        hpa?.Spec?.ScaleTargetRef is { } target
            ? informers.Budgets.Cache
                .ByIndex(BudgetInformers.BudgetsByWorkload, BudgetInformers.WorkloadIndex(hpa.Metadata.NamespaceProperty, target.Kind, target.Name))
                .Select(ObjectKey.Of)
            : [];

    private void Enqueue(params IEnumerable<ObjectKey>[] keys)
    {
        foreach (var key in keys.SelectMany(k => k).Distinct())
        {
            enqueue(key);
        }
    }
}

using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Allocation;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Budgets;

/// <summary>One workload of a budget as found in the caches.</summary>
/// <param name="Spec">The budget's entry for the workload.</param>
/// <param name="Found">False when the Deployment or StatefulSet does not exist.</param>
/// <param name="DesiredReplicas">The larger of the workload's spec.replicas and its HPA's desiredReplicas.</param>
/// <param name="HpaMinReplicas">The HPA's minReplicas, when an HPA targets the workload.</param>
/// <param name="HpaMaxReplicas">The HPA's maxReplicas, when an HPA targets the workload.</param>
/// <param name="Pods">The workload's pods that may hold connections (not Succeeded or Failed), by name.</param>
public sealed record WorkloadResources(
    BudgetWorkload Spec,
    bool Found,
    int DesiredReplicas,
    int? HpaMinReplicas,
    int? HpaMaxReplicas,
    IReadOnlyList<V1Pod> Pods);

/// <summary>Everything one reconcile of a budget reads, taken from the caches at one moment.</summary>
/// <param name="Budget">The budget.</param>
/// <param name="Workloads">Its workloads, in spec order.</param>
/// <param name="Grants">Every grant labelled with the budget, including those of pods that are gone or outside its workloads.</param>
/// <param name="PodsByUid">Every pod of the namespace that may hold connections, by UID (pods outside the workloads included).</param>
public sealed record BudgetSnapshot(
    DatabaseBudget Budget,
    IReadOnlyList<WorkloadResources> Workloads,
    IReadOnlyList<ConnectionGrant> Grants,
    IReadOnlyDictionary<string, V1Pod> PodsByUid)
{
    /// <summary>UIDs of pods known to run no process any more (see <see cref="Planning.PlannerInput.StoppedPods"/>).</summary>
    public IReadOnlySet<string> StoppedPods { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The grant bound to each pod UID.</summary>
    public IReadOnlyDictionary<string, ConnectionGrant> GrantsByPodUid()
    {
        var byUid = new Dictionary<string, ConnectionGrant>(StringComparer.Ordinal);
        foreach (var grant in Grants)
        {
            byUid.TryAdd(Planning.GrantIdentity.PodUid(grant), grant);
        }

        return byUid;
    }
}

/// <summary>
/// Gathers what exists for a budget from the informer caches: its workloads, their pods that may
/// hold connections (Pending, Running, Terminating), their HPAs, and the budget's grants.
/// </summary>
public sealed class BudgetResources
{
    private readonly BudgetInformers informers;

    /// <summary>Creates the gatherer.</summary>
    public BudgetResources(BudgetInformers informers)
    {
        this.informers = informers ?? throw new ArgumentNullException(nameof(informers));
    }

    /// <summary>The budget with this key, or null when it is gone.</summary>
    public DatabaseBudget? Budget(ObjectKey key) => informers.Budgets.Cache.Get(key);

    /// <summary>The grants labelled with this budget.</summary>
    public IReadOnlyList<ConnectionGrant> Grants(ObjectKey budget) =>
        informers.Grants.Cache.ByIndex(BudgetInformers.GrantsByBudget, budget.Namespace + "/" + budget.Name);

    /// <summary>Takes a snapshot of everything the budget's reconcile reads.</summary>
    public BudgetSnapshot Gather(DatabaseBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var ns = budget.Metadata.NamespaceProperty ?? "";
        var pods = informers.Pods.Cache.List(ns).Where(MayHoldConnections).ToList();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var workloads = new List<WorkloadResources>();
        foreach (var spec in budget.Spec.Workloads)
        {
            var (found, selector, replicas) = Workload(ns, spec);
            var hpa = informers.Hpas.Cache
                .ByIndex(BudgetInformers.HpasByTarget, BudgetInformers.WorkloadIndex(ns, spec.Kind, spec.Name))
                .Where(h => h.Spec.ScaleTargetRef.ApiVersion is null || h.Spec.ScaleTargetRef.ApiVersion.StartsWith("apps/", StringComparison.Ordinal))
                .OrderBy(h => h.Metadata.Name, StringComparer.Ordinal)
                .FirstOrDefault();

            // The HPA's decision may be ahead of the workload's spec.replicas: taking the larger
            // makes a decided scale-up shrink the existing pods as early as possible.
            var desired = Math.Max(replicas, hpa?.Status?.DesiredReplicas ?? 0);

            // A pod matched by two workloads of one budget counts once, for the first.
            var mine = found
                ? pods.Where(p => LabelSelectors.Matches(selector, p.Metadata.Labels) && claimed.Add(p.Metadata.Name))
                    .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
                    .ToList()
                : [];
            workloads.Add(new WorkloadResources(spec, found, found ? desired : 0, hpa?.Spec.MinReplicas, hpa?.Spec.MaxReplicas, mine));
        }

        var byUid = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => !string.IsNullOrEmpty(p.Metadata.Uid)))
        {
            byUid[pod.Metadata.Uid] = pod;
        }

        var grants = Grants(ObjectKey.Of(budget));
        return new BudgetSnapshot(budget, workloads, grants, byUid)
        {
            StoppedPods = informers.StoppedPods.AmongThese(grants.Select(Planning.GrantIdentity.PodUid)),
        };
    }

    /// <summary>True for a pod that may hold connections: not Succeeded and not Failed.</summary>
    public static bool MayHoldConnections(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Status?.Phase is not ("Succeeded" or "Failed");
    }

    /// <summary>Terminating when being deleted, Running when running, else Pending.</summary>
    public static LivePodPhase Phase(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return LivePodPhase.Terminating;
        }

        return pod.Status?.Phase == "Running" ? LivePodPhase.Running : LivePodPhase.Pending;
    }

    private (bool Found, V1LabelSelector? Selector, int Replicas) Workload(string ns, BudgetWorkload spec)
    {
        var key = new ObjectKey(ns, spec.Name);
        if (spec.Kind == WorkloadKinds.StatefulSet)
        {
            var set = informers.StatefulSets.Cache.Get(key);
            return set is null ? (false, null, 0) : (true, set.Spec?.Selector, set.Spec?.Replicas ?? 1);
        }

        var deployment = informers.Deployments.Cache.Get(key);
        return deployment is null ? (false, null, 0) : (true, deployment.Spec?.Selector, deployment.Spec?.Replicas ?? 1);
    }
}

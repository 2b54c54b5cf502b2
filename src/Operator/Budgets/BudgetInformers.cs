using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// The informers (and so the caches) of every kind the budget controller reads, with the indexes
/// its lookups use. One set per operator process, shared by the reconciler and the event mapping.
/// </summary>
public sealed class BudgetInformers
{
    /// <summary>Index of budgets by the workloads they name: <c>namespace/Kind/name</c>.</summary>
    public const string BudgetsByWorkload = "workload";

    /// <summary>Index of grants by their budget: <c>namespace/budget</c> (from the budget label).</summary>
    public const string GrantsByBudget = "budget";

    /// <summary>Index of pods by their controlling owner: <c>namespace/Kind/name</c> (a ReplicaSet for a Deployment's pods, the StatefulSet for its own).</summary>
    public const string PodsByOwner = "owner";

    /// <summary>
    /// The grants' label selector: the operator writes every grant with the budget label, so the
    /// API filters out whatever else someone created.
    /// </summary>
    public const string GrantSelector = ApiGroup.BudgetLabel;

    /// <summary>
    /// The pods' field selector: a Succeeded or Failed pod holds no connection, so the API leaves
    /// those out (a pod that finishes arrives as deleted), which keeps finished Job pods out of memory.
    /// </summary>
    public const string PodFieldSelector = "status.phase!=Succeeded,status.phase!=Failed";

    /// <summary>Index of HPAs by their scale target: <c>namespace/Kind/name</c>.</summary>
    public const string HpasByTarget = "target";

    /// <summary>Creates the informers over <paramref name="namespaces"/> (empty for all).</summary>
    public BudgetInformers(IKubernetes client, IReadOnlyList<string> namespaces, InformerSettings settings, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        var scope = namespaces.Select(ns => (string?)ns).ToList();
        var logger = loggers.CreateLogger("PoolOperator.Operator.Controller.Informer");

        // Only budgets resync: every other kind maps to budgets anyway, so one pass over the budgets
        // reconciles everything.
        // Every kind is listed in pages and trimmed to what the reconciler reads before it is
        // cached (CacheTransforms); with watchNamespaces set, each informer lists and watches each
        // namespace on its own instead of the whole cluster.
        Budgets = new Informer<DatabaseBudget>(
            KubernetesSources.Budgets(client, new() { Transform = CacheTransforms.WithoutManagedFields }), scope, settings, time, logger);
        settings = settings with { ResyncPeriod = TimeSpan.Zero };
        Grants = new Informer<ConnectionGrant>(
            KubernetesSources.Grants(client, new() { LabelSelector = GrantSelector, Transform = CacheTransforms.Grant }), scope, settings, time, logger);
        Pods = new Informer<V1Pod>(
            KubernetesSources.Pods(client, new() { FieldSelector = PodFieldSelector, Transform = CacheTransforms.Pod }), scope, settings, time, logger);
        Deployments = new Informer<V1Deployment>(
            KubernetesSources.Deployments(client, new() { Transform = CacheTransforms.Deployment }), scope, settings, time, logger);
        StatefulSets = new Informer<V1StatefulSet>(
            KubernetesSources.StatefulSets(client, new() { Transform = CacheTransforms.StatefulSet }), scope, settings, time, logger);
        Hpas = new Informer<V2HorizontalPodAutoscaler>(
            KubernetesSources.HorizontalPodAutoscalers(client, new() { Transform = CacheTransforms.HorizontalPodAutoscaler }), scope, settings, time, logger);

        Pods.AddHandler(StoppedPods.Observe);
        Budgets.Cache.AddIndexer(BudgetsByWorkload, budget => budget.Spec.Workloads.Select(w => WorkloadIndex(budget.Metadata.NamespaceProperty, w.Kind, w.Name)));
        Grants.Cache.AddIndexer(GrantsByBudget, grant =>
            grant.Metadata.Labels?.TryGetValue(ApiGroup.BudgetLabel, out var budget) == true
                ? [grant.Metadata.NamespaceProperty + "/" + budget]
                : []);
        Pods.Cache.AddIndexer(PodsByOwner, pod =>
            pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } owner
                ? [WorkloadIndex(pod.Metadata.NamespaceProperty, owner.Kind, owner.Name)]
                : []);
        Hpas.Cache.AddIndexer(HpasByTarget, hpa =>
            hpa.Spec?.ScaleTargetRef is { } target
                ? [WorkloadIndex(hpa.Metadata.NamespaceProperty, target.Kind, target.Name)]
                : []);
    }

    /// <summary>DatabaseBudgets.</summary>
    public Informer<DatabaseBudget> Budgets { get; }

    /// <summary>ConnectionGrants.</summary>
    public Informer<ConnectionGrant> Grants { get; }

    /// <summary>Pods.</summary>
    public Informer<V1Pod> Pods { get; }

    /// <summary>The pods seen to stop (terminal phase, or deleted with every container exited).</summary>
    public StoppedPods StoppedPods { get; } = new();

    /// <summary>Deployments.</summary>
    public Informer<V1Deployment> Deployments { get; }

    /// <summary>StatefulSets.</summary>
    public Informer<V1StatefulSet> StatefulSets { get; }

    /// <summary>autoscaling/v2 HorizontalPodAutoscalers.</summary>
    public Informer<V2HorizontalPodAutoscaler> Hpas { get; }

    /// <summary>Every informer, to start and wait on together.</summary>
    public IReadOnlyList<IInformer> All => [Budgets, Grants, Pods, Deployments, StatefulSets, Hpas];

    /// <summary>True once every informer has listed.</summary>
    public bool HasSynced => All.All(i => i.HasSynced);

    /// <summary>The value of the workload indexes for one workload.</summary>
    public static string WorkloadIndex(string? namespaceName, string? kind, string? name) => $"{namespaceName}/{kind}/{name}";
}

using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Hosting.Metrics;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Brings a budget's ConnectionGrants to a <see cref="GrantPlan"/>: deletes grants of pods that
/// are gone, writes shrinks, creates new grants, then writes raises. Each write goes through to
/// the grant cache at once, so the next plan counts it even before its watch event arrives.
/// </summary>
public sealed class BudgetUpdate
{
    private readonly IKubernetes client;
    private readonly Informer<ConnectionGrant> grants;
    private readonly OperatorMetrics metrics;

    /// <summary>Creates the updater.</summary>
    public BudgetUpdate(IKubernetes client, BudgetInformers informers, OperatorMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(informers);
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        grants = informers.Grants;
        this.metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
    }

    /// <summary>Writes the plan; returns the number of writes.</summary>
    public async Task<int> ApplyAsync(BudgetSnapshot snapshot, GrantPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(plan);
        var writes = 0;
        foreach (var pod in plan.Delete)
        {
            await DeleteAsync(snapshot.Grants[pod], cancellationToken);
            writes++;
        }

        var shrinks = plan.Update.Where(p => plan.Limits[p] < snapshot.Grants[p].Spec.Limit);
        var raises = plan.Update.Where(p => plan.Limits[p] > snapshot.Grants[p].Spec.Limit);
        foreach (var pod in shrinks)
        {
            await PatchLimitAsync(snapshot.Grants[pod], plan.Limits[pod], cancellationToken);
            writes++;
        }

        var owners = snapshot.Workloads
            .SelectMany(w => w.Pods.Select(p => (Pod: p, Workload: w.Spec.Name)))
            .ToDictionary(x => x.Pod.Metadata.Name, StringComparer.Ordinal);
        foreach (var pod in plan.Create)
        {
            var (podObject, workload) = owners[pod];
            await CreateAsync(snapshot.Budget, podObject, workload, plan.Limits[pod], cancellationToken);
            writes++;
        }

        foreach (var pod in raises)
        {
            await PatchLimitAsync(snapshot.Grants[pod], plan.Limits[pod], cancellationToken);
            writes++;
        }

        return writes;
    }

    /// <summary>Deletes grants, e.g. every grant of a deleted budget.</summary>
    public async Task DeleteAllAsync(IEnumerable<ConnectionGrant> doomed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(doomed);
        foreach (var grant in doomed)
        {
            await DeleteAsync(grant, cancellationToken);
        }
    }

    private async Task CreateAsync(DatabaseBudget budget, V1Pod pod, string workload, int limit, CancellationToken cancellationToken)
    {
        var ns = budget.Metadata.NamespaceProperty;
        var grant = new ConnectionGrant
        {
            Metadata = new V1ObjectMeta
            {
                Name = ApiGroup.GrantName(pod.Metadata.Name, budget.Metadata.Name),
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [ApiGroup.BudgetLabel] = budget.Metadata.Name,
                    [ApiGroup.WorkloadLabel] = workload,
                    [ApiGroup.PodLabel] = pod.Metadata.Name,
                },

                // Owned by the pod, so the grant goes with it; not a controller reference, and it
                // must not hold up the pod's deletion.
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "v1",
                        Kind = "Pod",
                        Name = pod.Metadata.Name,
                        Uid = pod.Metadata.Uid,
                        Controller = false,
                        BlockOwnerDeletion = false,
                    },
                ],
            },
            Spec = new ConnectionGrantSpec
            {
                PodName = pod.Metadata.Name,
                BudgetName = budget.Metadata.Name,
                WorkloadName = workload,
                Limit = limit,
            },
        };

        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
            grant, ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.GrantPlural, cancellationToken: cancellationToken);
        grants.WriteThrough(created);
        metrics.GrantWritten("create");
    }

    private async Task PatchLimitAsync(ConnectionGrant grant, int limit, CancellationToken cancellationToken)
    {
        // A merge patch of spec.limit alone: the agent writes status concurrently, and a replace
        // would fail on every acknowledgement it raced with.
        var patch = new V1Patch(new { spec = new { limit } }, V1Patch.PatchType.MergePatch);
        ConnectionGrant patched;
        try
        {
            patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
                patch, ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, grant.Metadata.Name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // The garbage collector took the grant with its pod between the cache's view and this write.
            // Nothing to change: the cache forgets it, and the watch event of the pod's deletion brings
            // the next reconcile, which plans without it.
            grants.DeleteThrough(ObjectKey.Of(grant));
            return;
        }

        grants.WriteThrough(patched);
        metrics.GrantWritten("update");
    }

    private async Task DeleteAsync(ConnectionGrant grant, CancellationToken cancellationToken)
    {
        try
        {
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, grant.Metadata.Name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone (the garbage collector followed the pod): the goal is reached.
        }

        grants.DeleteThrough(ObjectKey.Of(grant));
        metrics.GrantWritten("delete");
    }
}

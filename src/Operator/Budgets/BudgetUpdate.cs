using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Hosting.Metrics;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Budgets;

/// <summary>How a plan's writes went.</summary>
/// <param name="Writes">Writes that landed.</param>
/// <param name="Conflicts">Writes refused because the grant changed since it was read (409): the budget is re-read.</param>
public sealed record UpdateOutcome(int Writes, int Conflicts);

/// <summary>
/// Brings a budget's ConnectionGrants to a <see cref="GrantPlan"/>, in the plan's order: deletes, shrinks, creates,
/// then (after the term's fence) raises. Every write carries the grant's resourceVersion as a precondition, so a
/// decision made on a stale cache, or by a leader whose term ended, never lands; a 409 is counted and the budget is
/// re-read. Each write goes through to the grant cache at once, so the next plan counts it before its watch event.
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

    /// <summary>Writes the plan in the leadership <paramref name="term"/>: grants are created carrying it, and the others are fenced with it before a raise.</summary>
    public async Task<UpdateOutcome> ApplyAsync(BudgetSnapshot snapshot, BudgetDecisionResult decision, string term, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(term);
        var plan = decision.Plan;
        var byUid = new Dictionary<string, ConnectionGrant>(snapshot.GrantsByPodUid(), StringComparer.Ordinal);
        int writes = 0, conflicts = 0;
        void Count(bool? landed)
        {
            if (landed == true)
            {
                writes++;
            }
            else if (landed == false)
            {
                conflicts++;
            }
        }

        foreach (var delete in plan.Deletes)
        {
            var grant = byUid[delete.PodUid];
            if (delete.Reason == DeleteReason.PodGone && await PodAliveAsync(grant, delete.PodUid, cancellationToken))
            {
                // The cache has not seen the pod (yet): it keeps being counted until the pod is really gone.
                continue;
            }

            Count(await DeleteAsync(grant, delete.ReleasesHold, cancellationToken));
        }

        foreach (var shrink in plan.Shrinks)
        {
            // The shrink carries the term: written with its resourceVersion, it fences the grant as well, so a raise
            // later in this plan needs no second write (and no fence with the resourceVersion from before the shrink,
            // which the server would refuse).
            var (landed, shrunk) = await PatchAsync(byUid[shrink.PodUid], SpecChange(shrink.Limit, shrink.Hold, term), cancellationToken);
            Count(landed);
            if (shrunk is not null)
            {
                byUid[shrink.PodUid] = shrunk;
            }
        }

        foreach (var uid in plan.Creates)
        {
            Count(await CreateAsync(snapshot, snapshot.PodsByUid[uid], term, cancellationToken));
        }

        if (plan.Raises.Count == 0)
        {
            return new UpdateOutcome(writes, conflicts);
        }

        // One writer: before a raise, every grant of the budget carries this term, written with its resourceVersion. A
        // write of the previous term still in flight either landed before (this fence fails and the budget is re-read)
        // or carries an older resourceVersion and is refused. A grant already carrying the term was created or fenced in
        // this term, so every resourceVersion it has had since is this term's own and needs no second fence (at a cold
        // start that is every grant: 10,000 patches fewer for 10,000 pods).
        foreach (var (uid, grant) in byUid.ToList())
        {
            if (CarriesTerm(grant, term))
            {
                continue;
            }

            var (landed, fenced) = await PatchAsync(grant, new { metadata = new { annotations = TermAnnotations(term) } }, cancellationToken);
            if (landed != true)
            {
                return new UpdateOutcome(writes, conflicts + 1);
            }

            byUid[uid] = fenced!;
        }

        foreach (var raise in plan.Raises)
        {
            var (landed, _) = await PatchAsync(byUid[raise.PodUid], SpecChange(raise.Limit, raise.Hold, term), cancellationToken);
            Count(landed);
        }

        return new UpdateOutcome(writes, conflicts);
    }

    /// <summary>
    /// Drains the grants of a deleted budget: a grant whose pod holds nothing is deleted, the others are lowered to 0
    /// and deleted once their agents acknowledge it (or their pods are gone). Deleting a grant whose pod still holds
    /// connections would let a budget of the same name (a GitOps replace) give them away again.
    /// </summary>
    /// <returns>The number of grants still draining.</returns>
    public async Task<int> DrainAsync(IEnumerable<ConnectionGrant> grantsOfBudget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grantsOfBudget);
        var draining = 0;
        foreach (var grant in grantsOfBudget)
        {
            var uid = GrantIdentity.PodUid(grant);
            if (Api.Protocol.GrantHolds.Held(grant) == 0)
            {
                // A release or delete refused as stale (409) leaves the grant: look again after the retry delay.
                if (await DeleteAsync(grant, releasesHold: true, cancellationToken) == false)
                {
                    draining++;
                }

                continue;
            }

            draining++;
            if (uid.Length > 0 && !await PodAliveAsync(grant, uid, cancellationToken))
            {
                // Marked for deletion: its agent, if the process still runs (a force-deleted pod), releases; the grant
                // goes once it acknowledged 0.
                if (grant.Metadata.DeletionTimestamp is null)
                {
                    await DeleteAsync(grant, releasesHold: false, cancellationToken);
                }

                continue;
            }

            if (grant.Spec.Limit > 0 && grant.Metadata.DeletionTimestamp is null)
            {
                await PatchAsync(grant, new { spec = new { limit = 0, hold = Api.Protocol.GrantHolds.HoldWith(grant, 0) } }, cancellationToken);
            }
        }

        return draining;
    }

    /// <summary>The grant's metadata for a new pod: name, labels fitted to label values, owner by UID, the writer's term.</summary>
    public static ConnectionGrant NewGrant(DatabaseBudget budget, V1Pod pod, string workload, string term)
    {
        ArgumentException.ThrowIfNullOrEmpty(term);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(workload);
        return new ConnectionGrant
        {
            Metadata = new V1ObjectMeta
            {
                Name = ApiGroup.GrantName(pod.Metadata.Name, budget.Metadata.Name),
                NamespaceProperty = budget.Metadata.NamespaceProperty,

                // The grant, and so its hold, outlives a force-deleted pod until the operator knows it holds nothing.
                Finalizers = [ApiGroup.HoldFinalizer],
                Annotations = TermAnnotations(term),
                Labels = new Dictionary<string, string>
                {
                    [ApiGroup.BudgetLabel] = LabelValues.Fit(budget.Metadata.Name),
                    [ApiGroup.WorkloadLabel] = LabelValues.Fit(workload),
                    [ApiGroup.PodLabel] = LabelValues.Fit(pod.Metadata.Name),
                    [ApiGroup.PodUidLabel] = LabelValues.Fit(pod.Metadata.Uid),
                },

                // Owned by the pod (by UID), so the grant goes with it; not a controller reference, and it must not
                // hold up the pod's deletion.
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
                PodUid = pod.Metadata.Uid,
                BudgetName = budget.Metadata.Name,
                WorkloadName = workload,
                Limit = 0,
                Hold = 0,
            },
        };
    }

    /// <summary>True when the grant was last written in <paramref name="term"/> (created, shrunk, raised or fenced).</summary>
    private static bool CarriesTerm(ConnectionGrant grant, string term) =>
        grant.Metadata?.Annotations is { } annotations && annotations.TryGetValue(ApiGroup.TermAnnotation, out var carried) && carried == term;

    /// <summary>The annotation every write of the operator carries: the leader term that made it.</summary>
    private static Dictionary<string, string> TermAnnotations(string term) => new() { [ApiGroup.TermAnnotation] = term };

    private async Task<bool?> CreateAsync(BudgetSnapshot snapshot, V1Pod pod, string term, CancellationToken cancellationToken)
    {
        var workload = snapshot.Workloads.FirstOrDefault(w => w.Pods.Any(p => p.Metadata.Uid == pod.Metadata.Uid))?.Spec.Name ?? "";
        try
        {
            var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
                NewGrant(snapshot.Budget, pod, workload, term), ApiGroup.Group, ApiGroup.Version, pod.Metadata.NamespaceProperty, ApiGroup.GrantPlural, cancellationToken: cancellationToken);
            grants.WriteThrough(created);
            metrics.GrantWritten("create");
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // A grant of that name exists that the cache has not seen (an earlier pod of the name, or a write of the
            // previous term): re-read.
            return false;
        }
    }

    private async Task<(bool? Landed, ConnectionGrant? Patched)> PatchAsync(ConnectionGrant grant, object change, CancellationToken cancellationToken)
    {
        // A merge patch carrying metadata.resourceVersion is a precondition: the API server refuses it with 409 when
        // the grant changed since it was read. The fields of the change are merged next to it.
        var body = MergeWithResourceVersion(change, grant.Metadata.ResourceVersion);
        try
        {
            var patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
                new V1Patch(body, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, grant.Metadata.Name, cancellationToken: cancellationToken);
            grants.WriteThrough(patched);
            metrics.GrantWritten("update");
            return (true, patched);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // The garbage collector took the grant with its pod between the cache's view and this write.
            grants.DeleteThrough(ObjectKey.Of(grant));
            return (null, null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return (false, null);
        }
    }

    private static object SpecChange(int limit, int hold, string term) =>
        new { metadata = new { annotations = TermAnnotations(term) }, spec = new { limit, hold } };

    private static Dictionary<string, object?> MergeWithResourceVersion(object change, string? resourceVersion)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(change)!.AsObject();
        var metadata = json["metadata"]?.AsObject() ?? [];
        json.Remove("metadata");
        metadata["resourceVersion"] = resourceVersion;
        json["metadata"] = metadata;
        return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(json.ToJsonString())!;
    }

    private async Task<bool> PodAliveAsync(ConnectionGrant grant, string podUid, CancellationToken cancellationToken)
    {
        // A list selecting the one name, without a resourceVersion, is a consistent read like a get, and needs only the
        // list permission the operator's informers already have (the chart grants no get on pods).
        var pods = await client.CoreV1.ListNamespacedPodAsync(
            grant.Metadata.NamespaceProperty,
            fieldSelector: "metadata.name=" + GrantIdentity.PodName(grant),
            cancellationToken: cancellationToken);
        return pods.Items.Any(pod => BudgetDecision.IsSamePodAlive(pod, podUid));
    }

    /// <summary>
    /// Deletes a grant: with <paramref name="releasesHold"/> (its pod holds nothing) the hold finalizer is removed first,
    /// so the grant goes; otherwise the delete marks it and it stays counted until its agent releases. A grant already
    /// marked is only released.
    /// </summary>
    private async Task<bool?> DeleteAsync(ConnectionGrant grant, bool releasesHold, CancellationToken cancellationToken)
    {
        if (releasesHold && grant.Metadata.Finalizers?.Contains(ApiGroup.HoldFinalizer) == true)
        {
            var remaining = grant.Metadata.Finalizers.Where(f => f != ApiGroup.HoldFinalizer).ToList();
            var (landed, released) = await PatchAsync(grant, new { metadata = new { finalizers = remaining } }, cancellationToken);
            if (landed != true || grant.Metadata.DeletionTimestamp is not null)
            {
                return landed;
            }

            grant = released!;
        }
        else if (grant.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var options = new V1DeleteOptions
        {
            Preconditions = new V1Preconditions { Uid = grant.Metadata.Uid, ResourceVersion = grant.Metadata.ResourceVersion },
        };
        try
        {
            var answer = await client.CustomObjects.DeleteNamespacedCustomObjectAsync<ConnectionGrant>(
                ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, grant.Metadata.Name, options, cancellationToken: cancellationToken);
            if (answer?.Metadata?.DeletionTimestamp is not null && answer.Metadata.Finalizers is { Count: > 0 })
            {
                // Held by a finalizer: the server answers with the grant as marked; the next plan counts it so.
                grants.WriteThrough(answer);
                metrics.GrantWritten("delete");
                return true;
            }
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone (the garbage collector followed the pod): the goal is reached.
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        grants.DeleteThrough(ObjectKey.Of(grant));
        metrics.GrantWritten("delete");
        return true;
    }
}

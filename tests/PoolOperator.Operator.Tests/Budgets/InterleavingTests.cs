using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

/// <summary>
/// Regression tests for the interleavings of issue 10 on the operator's side, against the local cluster with the
/// test agent player (real GrantFollower rules). Each failed on the protocol v1 operator: see the comment of each.
/// </summary>
public sealed class InterleavingTests(ITestOutputHelper output)
{
    private const string Budget = "orders-db";

    /// <summary>
    /// Issue 10 (1). v1 kept no hold and read no generation: after the shrink of an unacknowledged raise it counted
    /// the pod at 10 and gave the new pod 10 while the pod's agent could still hold 20.
    /// </summary>
    [Fact]
    public async Task An_unacknowledged_raise_keeps_counting_after_a_shrink_written_on_top_of_it()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 20);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);

        // api-a applies its raise to 20 (it may open 20) but its acknowledgement does not arrive.
        agents.HeldBack = name => name.StartsWith("api-a.", StringComparison.Ordinal) && agents.Acknowledgements > 0;
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 20, reserved: 0, TestCluster.Workload("api")));
        await Eventually.TrueAsync(async () => (await Grant(cluster, "api-a")).Spec.Limit == 20, "api-a is raised to 20");

        await cluster.ScaleAsync("api", 2);
        await cluster.CreatePodAsync("api", "api-b");
        await Eventually.TrueAsync(async () => (await Grant(cluster, "api-a")).Spec.Limit == 10, "api-a is shrunk to 10");
        var shrunk = await Grant(cluster, "api-a");
        Assert.Equal(20, shrunk.Spec.Hold);

        // The operator has planned with api-b Waiting: the status counts the 20 api-a may hold, api-b stays at 0.
        await Eventually.ValueAsync(() => cluster.GetBudgetAsync(Budget), b => b.Status?.Held == 20, "the status counts api-a's hold");
        Assert.Equal(GrantPhases.Waiting, (await Grant(cluster, "api-b")).Status?.Phase);
        Assert.Equal(0, (await Grant(cluster, "api-b")).Spec.Limit);

        agents.Release();
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10 }, "api-b gets 10 once api-a acknowledged 10");
        recorder.AssertHeld();
    }

    /// <summary>
    /// Issue 10 (2). v1 deleted the grants of a workload removed from the budget at once and gave their capacity away
    /// in the same reconcile, while their agents kept their limits.
    /// </summary>
    [Fact]
    public async Task A_workload_removed_from_the_budget_keeps_its_pods_counted_and_listed()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreateDeploymentAsync("worker", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("worker", "worker-a");
        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 20);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 20, reserved: 0, TestCluster.Workload("api"), TestCluster.Workload("worker")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["worker-a"] = 10 }, "two pods share 20");

        // A merge patch of the spec: a read-modify-write replace would race the operator's status writes (409).
        var workloads = new { spec = new { workloads = new[] { TestCluster.Workload("api") } } };
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new k8s.Models.V1Patch(k8s.KubernetesJson.Serialize(workloads), k8s.Models.V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, TestCluster.Ns, ApiGroup.BudgetPlural, Budget);

        var after = await Eventually.ValueAsync(
            () => cluster.GetBudgetAsync(Budget),
            b => b.Status?.HeldOutsideWorkloads?.SequenceEqual(["worker-a"]) == true && b.Status.ObservedGeneration == b.Metadata.Generation,
            "worker-a is listed as held outside the workloads");
        Assert.Equal(20, after.Status!.Held);
        var grants = await cluster.GrantsAsync(Budget);
        Assert.Equal(10, grants.Single(g => g.Spec.PodName == "worker-a").Spec.Limit);
        Assert.Equal(10, grants.Single(g => g.Spec.PodName == "api-a").Spec.Limit);

        // Once worker-a stops, its share goes to api-a.
        await cluster.RemovePodAsync("worker-a");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 20 }, "api-a gets the share worker-a held");
        recorder.AssertHeld();
    }

    /// <summary>
    /// Issue 10 (8). A force-deleted pod (a lost node) may keep running and holding its connections; the garbage
    /// collector deletes its grant some time after the pod object. The finalizer keeps the grant, marked and counted,
    /// until the agent acknowledges the release; a pod ended by its kubelet (terminal phase) is released at once.
    /// </summary>
    [Fact]
    public async Task A_force_deleted_pod_keeps_its_share_counted_until_its_agent_releases_it()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 30);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 30, reserved: 0, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10, ["api-c"] = 10 }, "three pods share 30");
        Assert.All(await cluster.GrantsAsync(Budget), g => Assert.Contains(ApiGroup.HoldFinalizer, g.Metadata.Finalizers));

        // api-b's node is lost: the pod is force-deleted while its process still holds 10 and cannot answer.
        agents.HeldBack = name => name.StartsWith("api-b.", StringComparison.Ordinal);
        await cluster.ForceDeletePodAsync("api-b");
        var marked = await Eventually.ValueAsync(
            () => cluster.GetBudgetAsync(Budget),
            b => b.Status?.HeldByGonePods?.SequenceEqual(["api-b"]) == true,
            "api-b is listed as gone but holding");
        Assert.Equal(30, marked.Status!.Held);
        var held = (await cluster.GrantsAsync(Budget)).Single(g => g.Spec.PodName == "api-b");
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Equal(20, (await cluster.GrantsAsync(Budget)).Where(g => g.Spec.PodName != "api-b").Sum(g => g.Spec.Limit));
        await Eventually.TrueAsync(
            async () => (await cluster.EventsAboutAsync(Budget)).Any(e => e.Reason == "HeldByGonePod" && e.Note.Contains("api-b", StringComparison.Ordinal)),
            "a warning names api-b");

        // The process answers (the node is back, or its agent saw the mark): it releases, the finalizer goes, and
        // the share moves.
        agents.Release();
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 15, ["api-c"] = 15 }, "api-b's share moves once it is released");
        Assert.DoesNotContain(await cluster.GrantsAsync(Budget), g => g.Spec.PodName == "api-b");

        // A pod its kubelet ended (terminal phase, then removed) holds nothing: no acknowledgement is needed.
        agents.HeldBack = name => name.StartsWith("api-c.", StringComparison.Ordinal);
        await cluster.RemovePodAsync("api-c");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 30 }, "api-c's share moves without its agent");
        recorder.AssertHeld();
    }

    /// <summary>
    /// Issue 10 (3). v1 keyed grants by pod name: a pod recreated under the same name adopted the previous pod's grant.
    /// </summary>
    [Fact]
    public async Task A_pod_recreated_under_its_name_gets_a_grant_bound_to_its_new_uid()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("web", replicas: 1);
        var first = await cluster.CreatePodAsync("web", "web-0");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 10, reserved: 0, TestCluster.Workload("web")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["web-0"] = 10 }, "web-0 holds 10");
        var grant = await Grant(cluster, "web-0");
        Assert.Equal(first.Metadata.Uid, grant.Spec.PodUid);
        Assert.Equal(first.Metadata.Uid, grant.Metadata.Labels[ApiGroup.PodUidLabel]);
        Assert.Contains(grant.Metadata.OwnerReferences, o => o.Uid == first.Metadata.Uid);

        await cluster.RemovePodAsync("web-0");
        var second = await cluster.CreatePodAsync("web", "web-0");
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);

        await Eventually.TrueAsync(
            async () => (await cluster.GrantsAsync(Budget)).SingleOrDefault() is { } g && g.Spec.PodUid == second.Metadata.Uid && g.Spec.Limit == 10 && GrantHolds.IsAcknowledged(g),
            "the new web-0 holds 10 under a grant bound to its own UID");
    }

    /// <summary>
    /// Issue 10 (5). v1 patched grants unconditionally: a write of a term that ended landed on top of the new
    /// leader's. Now every grant carries the term that fenced it and a write with an older resourceVersion is refused.
    /// </summary>
    [Fact]
    public async Task Grants_are_fenced_by_the_term_and_a_write_with_an_old_resource_version_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 20, reserved: 0, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10 }, "two pods share 20");

        var grants = await cluster.GrantsAsync(Budget);
        var terms = grants.Select(g => (g.Metadata.Annotations is { } annotations && annotations.TryGetValue(ApiGroup.TermAnnotation, out var term) ? term : null)).Distinct().ToList();
        Assert.Single(terms);
        Assert.False(string.IsNullOrEmpty(terms[0]));

        // A previous leader's raise, planned on what it read before the agent's acknowledgement, is refused.
        var a = grants.Single(g => g.Spec.PodName == "api-a");
        var stale = new V1Patch(new { metadata = new { resourceVersion = (long.Parse(a.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) }, spec = new { limit = 20, hold = 20 } }, V1Patch.PatchType.MergePatch);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            stale, ApiGroup.Group, ApiGroup.Version, TestCluster.Ns, ApiGroup.GrantPlural, a.Metadata.Name));
        Assert.Equal(HttpStatusCode.Conflict, refused.Response.StatusCode);
        Assert.Equal(10, (await Grant(cluster, "api-a")).Spec.Limit);
    }

    /// <summary>Issue 11: slots follow arrivals. v1 shrank the running pods as soon as the replicas were raised.</summary>
    [Fact]
    public async Task Running_pods_keep_their_shares_until_the_new_pods_agent_is_up()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 20, reserved: 0, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10 }, "two pods share 20");

        // The new pod exists but its agent has not started: it gets a grant at 0 and no slot.
        agents.HeldBack = name => name.StartsWith("api-c.", StringComparison.Ordinal);
        await cluster.ScaleAsync("api", 3);
        await cluster.CreatePodAsync("api", "api-c", phase: "Pending");
        await Eventually.TrueAsync(async () => (await cluster.GrantsAsync(Budget)).Any(g => g.Spec.PodName == "api-c"), "api-c gets a grant");
        await Eventually.ValueAsync(() => cluster.GetBudgetAsync(Budget), b => b.Status?.Workloads?.SingleOrDefault() is { DesiredReplicas: 3 }, "the operator saw the scale");
        Assert.Equal(new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10, ["api-c"] = 0 }, (await cluster.GrantsAsync(Budget)).ToDictionary(g => g.Spec.PodName, g => g.Spec.Limit));

        agents.Release();
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 7, ["api-b"] = 7, ["api-c"] = 6 }, "api-c gets its share once its agent is up");
    }

    private static async Task<ConnectionGrant> Grant(TestCluster cluster, string pod) =>
        (await cluster.GrantsAsync(Budget)).Single(g => g.Spec.PodName == pod);
}

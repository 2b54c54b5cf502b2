using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

public sealed class ScalingTests(ITestOutputHelper output)
{
    private const string Budget = "orders-db";

    [Fact]
    public async Task Hpa_step_3_to_4_lowers_the_existing_pods_before_the_new_pod_is_raised()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await cluster.CreateHpaAsync("api", "api", min: 2, max: 6, desired: 3);
        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 90);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["api-c"] = 30 }, "three pods share 90");
        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");

        // The HPA decides 4; the Deployment follows; the ReplicaSet creates the pod.
        await cluster.SetHpaDesiredAsync("api", 4);
        await cluster.ScaleAsync("api", 4);
        await cluster.CreatePodAsync("api", "api-d", phase: "Pending");

        var final = new Dictionary<string, int> { ["api-a"] = 23, ["api-b"] = 23, ["api-c"] = 22, ["api-d"] = 22 };
        await cluster.WaitForLimitsAsync(Budget, final, "four pods share 90");
        recorder.AssertHeld();

        var events = recorder.Events;
        var firstRaise = events.First(e => e.Pod == "api-d" && e.Limit > 0);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            // Shrinks are written before any grow. Acknowledgements may arrive in any order: api-d may be
            // raised from what api-a and api-b freed before api-c acknowledges; the recorder's invariant
            // check above is what proves that every raise came from acknowledged capacity.
            var lowered = events.FirstOrDefault(e => e.Pod == pod && e.Limit <= final[pod]);
            Assert.True(lowered is not null && lowered.Index < firstRaise.Index, $"{pod} was not lowered (event {lowered?.Index}) before api-d was raised (event {firstRaise.Index})");
        }

        var budget = await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");
        var row = Assert.Single(budget.Status!.Workloads!);
        Assert.Equal((4, 4, 22, 6, 15), (row.DesiredReplicas, row.Pods, row.PerReplica, row.HpaMaxReplicas, row.PerReplicaAtMaxScale));
        Assert.Contains(budget.Status.Conditions!, c => c.Type == BudgetConditionTypes.StarvedAtMaxScale && c.Status == "False");
        // Protocol v2 settles in rounds (grant at 0, the agent's Waiting, the raise) and the budget may be Ready between
        // them: at least the first division and the step are each timed, possibly an intermediate settle too.
        await Eventually.TrueAsync(() => op.Metrics.ScaleAcknowledgedCount(new ObjectKey(TestCluster.Ns, Budget)) >= 2, "the first division and the step were each timed until acknowledged");
    }

    [Fact]
    public async Task Scale_down_moves_a_terminating_pods_share_once_its_agent_acknowledges_0_before_the_pod_is_gone()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 4);
        foreach (var pod in new[] { "api-a", "api-b", "api-c", "api-d" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 90);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        var four = new Dictionary<string, int> { ["api-a"] = 23, ["api-b"] = 23, ["api-c"] = 22, ["api-d"] = 22 };
        await cluster.WaitForLimitsAsync(Budget, four, "four pods share 90");

        // api-d's agent is slow to let go: its share stays counted while it is Terminating.
        agents.HeldBack = name => name.StartsWith("api-d.", StringComparison.Ordinal);
        await cluster.ScaleAsync("api", 3);
        await cluster.TerminatePodAsync("api-d");
        await Eventually.TrueAsync(
            async () => (await cluster.GrantsAsync(Budget)).Single(g => g.Spec.PodName == "api-d").Spec.Limit == 0,
            "the terminating pod is lowered to 0 at once");
        var meanwhile = await cluster.GrantsAsync(Budget);
        Assert.Equal(90, meanwhile.Sum(PoolOperator.Api.Protocol.GrantHolds.Held));
        Assert.True(meanwhile.Where(g => g.Spec.PodName != "api-d").All(g => g.Spec.Limit <= 23), "nothing was raised from the share api-d still holds");

        // Its agent acknowledges 0: the share moves to the others while the pod object still exists.
        agents.Release();
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["api-c"] = 30 }, "the other three grow once it released");
        recorder.AssertHeld();
        await cluster.RemovePodAsync("api-d");
    }
}

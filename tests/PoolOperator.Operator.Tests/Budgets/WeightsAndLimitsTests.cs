using PoolOperator.Api;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

public sealed class WeightsAndLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_weighted_workloads_share_per_replica_by_weight()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreateDeploymentAsync("worker", replicas: 2);
        foreach (var (workload, pod) in new[] { ("api", "api-a"), ("api", "api-b"), ("worker", "worker-a"), ("worker", "worker-b") })
        {
            await cluster.CreatePodAsync(workload, pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, "shared-db", available: 90);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget("shared-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api", weight: 2), TestCluster.Workload("worker", weight: 1)));

        await cluster.WaitForLimitsAsync("shared-db", new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["worker-a"] = 15, ["worker-b"] = 15 }, "weight 2 gets twice weight 1");
        var budget = await cluster.WaitForConditionAsync("shared-db", BudgetConditionTypes.Ready, "True");
        Assert.Equal("api=30,worker=15", budget.Status!.PerReplica);
        Assert.Equal(["api", "worker"], budget.Status.Workloads!.Select(w => w.Name));
        Assert.Equal((4, 90), (budget.Status.Pods, budget.Status.Granted));
        recorder.AssertHeld();
    }

    [Fact]
    public async Task An_hpa_whose_max_replicas_would_starve_replicas_is_reported()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await cluster.CreateHpaAsync("api", "api", min: 2, max: 10, desired: 2);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api", min: 20)));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.StarvedAtMaxScale, "True", "BelowMinimumAtMaxReplicas");
        var row = Assert.Single(budget.Status!.Workloads!);
        Assert.Equal((10, 9), (row.HpaMaxReplicas, row.PerReplicaAtMaxScale));
        Assert.Contains("maxReplicas 10", budget.Status.Conditions!.Single(c => c.Type == BudgetConditionTypes.StarvedAtMaxScale).Message, StringComparison.Ordinal);

        // Today's two replicas are fine: the warning is about the HPA's ceiling, not the present.
        await cluster.WaitForLimitsAsync("orders-db", new Dictionary<string, int> { ["api-a"] = 45, ["api-b"] = 45 }, "two replicas share 90");
        await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.Overcommitted, "False");
        await Eventually.TrueAsync(
            async () => (await cluster.EventsAboutAsync("orders-db")).Any(e => e.Reason == BudgetConditionTypes.StarvedAtMaxScale && e.Type == "Warning"),
            "a StarvedAtMaxScale warning event is posted");
    }

    [Fact]
    public async Task Minimums_that_cannot_all_be_met_are_overcommitted_and_scaled_down_in_proportion()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, "tight-db", available: 40);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(TestCluster.Budget("tight-db", maxConnections: 50, reserved: 10, TestCluster.Workload("api", min: 20)));

        var budget = await cluster.WaitForConditionAsync("tight-db", BudgetConditionTypes.Overcommitted, "True", "MinimumsExceedAvailable");
        Assert.Contains("need 60", budget.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.Overcommitted).Message, StringComparison.Ordinal);
        await cluster.WaitForLimitsAsync("tight-db", new Dictionary<string, int> { ["api-a"] = 14, ["api-b"] = 13, ["api-c"] = 13 }, "the 40 are shared anyway");
        await Eventually.TrueAsync(
            async () => (await cluster.EventsAboutAsync("tight-db")).Count(e => e.Reason == BudgetConditionTypes.Overcommitted) == 1,
            "one Overcommitted event is posted");
        recorder.AssertHeld();
    }
}

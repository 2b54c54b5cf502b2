using k8s;
using PoolOperator.Api;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

public sealed class InvalidSpecTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_invalid_spec_gets_a_condition_and_one_event_without_a_retry_storm()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        // The schema accepts a dotted name, but grants are named <pod>.<budget>: the operator must refuse it.
        await cluster.CreateBudgetAsync(TestCluster.Budget("orders.db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));

        var budget = await cluster.WaitForConditionAsync("orders.db", BudgetConditionTypes.InvalidSpec, "True", "SpecInvalid");
        var invalid = budget.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.InvalidSpec);
        Assert.Contains("metadata.name", invalid.Message, StringComparison.Ordinal);
        Assert.Contains(budget.Status.Conditions!, c => c.Type == BudgetConditionTypes.Ready && c.Status == "False" && c.Reason == BudgetConditionTypes.InvalidSpec);
        Assert.Equal(budget.Metadata.Generation, budget.Status.ObservedGeneration);

        // Settled: a few more seconds bring no more reconciles, writes or events.
        await Task.Delay(500);
        var reconciles = op.Metrics.Reconciles;
        var writes = op.StatusWriter.Writes;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(reconciles, op.Metrics.Reconciles);
        Assert.Equal(writes, op.StatusWriter.Writes);
        Assert.True(reconciles <= 4, $"{reconciles} reconciles of one invalid budget");
        Assert.Single(await cluster.EventsAboutAsync("orders.db"), e => e.Reason == BudgetConditionTypes.InvalidSpec && e.Type == "Warning");
        Assert.Empty(await cluster.GrantsAsync("orders.db"));

        // No crash: the operator still serves a valid budget.
        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync("orders-db", new Dictionary<string, int> { ["api-a"] = 90 }, "the valid budget is served");
        Assert.Null(op.Controller.Failure);
    }

    [Fact]
    public async Task A_budget_whose_workload_does_not_exist_is_not_ready_and_says_which()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("missing")));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.Ready, "False", "WorkloadNotFound");
        Assert.Contains("Deployment missing", budget.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.Ready).Message, StringComparison.Ordinal);

        // Creating the workload later is picked up from its watch.
        await cluster.CreateDeploymentAsync("missing", replicas: 1);
        await cluster.CreatePodAsync("missing", "missing-a");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await cluster.WaitForLimitsAsync("orders-db", new Dictionary<string, int> { ["missing-a"] = 90 }, "the late workload is served");
    }

    [Fact]
    public async Task Deleting_a_budget_deletes_its_grants()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await Eventually.TrueAsync(async () => (await cluster.GrantsAsync("orders-db")).Count == 1, "the grant exists");

        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, TestCluster.Ns, ApiGroup.BudgetPlural, "orders-db");

        await Eventually.TrueAsync(async () => (await cluster.GrantsAsync("orders-db")).Count == 0, "the grants are gone with the budget");
    }
}

using PoolOperator.Api;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

public sealed class BudgetCreationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_new_budget_grants_every_pod_its_share_and_reports_it()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await cluster.CreatePodAsync("api", "api-c", phase: "Pending");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));

        await cluster.WaitForLimitsAsync("orders-db", new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["api-c"] = 30 }, "every pod, Pending included, holds a third");
        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.Ready, "True");

        var status = budget.Status!;
        Assert.Equal(budget.Metadata.Generation, status.ObservedGeneration);
        Assert.Equal(90, status.Available);
        Assert.Equal(90, status.Granted);
        Assert.Equal(90, status.Applied);
        Assert.Equal(3, status.Pods);
        Assert.Equal("30", status.PerReplica);
        var row = Assert.Single(status.Workloads!);
        Assert.Equal(("api", WorkloadKinds.Deployment, 3, 3, 30), (row.Name, row.Kind, row.DesiredReplicas, row.Pods, row.PerReplica));
        Assert.Null(row.HpaMaxReplicas);
        Assert.Null(status.ServerMaxConnections);
        Assert.Contains(status.Conditions!, c => c.Type == BudgetConditionTypes.Progressing && c.Status == "False");
        Assert.Contains(status.Conditions!, c => c.Type == BudgetConditionTypes.Overcommitted && c.Status == "False");
        Assert.Contains(status.Conditions!, c => c.Type == BudgetConditionTypes.InvalidSpec && c.Status == "False");

        var grants = await cluster.GrantsAsync("orders-db");
        Assert.All(grants, g =>
        {
            Assert.Equal(ApiGroup.GrantName(g.Spec.PodName, "orders-db"), g.Metadata.Name);
            Assert.Equal("orders-db", g.Metadata.Labels[ApiGroup.BudgetLabel]);
            Assert.Equal("api", g.Metadata.Labels[ApiGroup.WorkloadLabel]);
            Assert.Equal(g.Spec.PodName, g.Metadata.Labels[ApiGroup.PodLabel]);
            Assert.Equal(("orders-db", "api"), (g.Spec.BudgetName, g.Spec.WorkloadName));
            var owner = Assert.Single(g.Metadata.OwnerReferences);
            Assert.Equal(("Pod", g.Spec.PodName, false), (owner.Kind, owner.Name, owner.BlockOwnerDeletion ?? false));
        });

        // The printer columns, as kubectl get dbb shows them, come from these fields through the table endpoint.
        var table = await PrinterColumns.ReadAsync(cluster, ApiGroup.BudgetPlural, "orders-db");
        Assert.Equal("90", table["Available"]);
        Assert.Equal("3", table["Pods"]);
        Assert.Equal("30", table["Per-Replica"]);
        Assert.Equal("True", table["Ready"]);

        var events = await cluster.EventsAboutAsync("orders-db");
        Assert.Contains(events, e => e.Reason == "Rebalanced");
    }
}

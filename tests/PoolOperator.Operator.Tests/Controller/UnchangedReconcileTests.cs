using Microsoft.Extensions.DependencyInjection;
using PoolOperator.Operator.Controller;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Controller;

/// <summary>Writes in proportion to change: a budget whose inputs did not change costs the API nothing.</summary>
public sealed class UnchangedReconcileTests(ITestOutputHelper output)
{
    private const string Budget = "orders-db";

    [Fact]
    public async Task A_reconcile_of_an_unchanged_budget_sends_no_request()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForConditionAsync(Budget, Api.BudgetConditionTypes.Ready, "True");
        var queue = op.App.Services.GetRequiredService<WorkQueue<ObjectKey>>();
        var key = new ObjectKey(TestCluster.Ns, Budget);

        // The acknowledgements' own reconciles may still be on their way: settle first, on a
        // reconcile that sent nothing. Then every further reconcile must send nothing either.
        await Eventually.TrueAsync(async () => await ReconcileOnceAsync(op, queue, key) == 0, "a reconcile sends no request once the budget is Ready");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0, await ReconcileOnceAsync(op, queue, key));
        }
    }

    /// <summary>Queues the budget, waits for its reconcile to finish, and returns the requests the operator sent meanwhile.</summary>
    private static async Task<long> ReconcileOnceAsync(RunningOperator op, WorkQueue<ObjectKey> queue, ObjectKey key)
    {
        await Eventually.TrueAsync(() => queue.Depth == 0, "the queue is drained");
        var reconciles = op.Metrics.Reconciles;
        var requests = op.Metrics.ApiRequests;
        queue.Add(key);
        await Eventually.TrueAsync(() => op.Metrics.Reconciles > reconciles && queue.Depth == 0, "the budget is reconciled");
        return op.Metrics.ApiRequests - requests;
    }
}

using Microsoft.Extensions.DependencyInjection;
using PoolOperator.Api;
using PoolOperator.Operator.Budgets;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Leadership;

public sealed class RestartAndFailoverTests(ITestOutputHelper output)
{
    private const string Budget = "orders-db";

    [Fact]
    public async Task A_restarted_operator_finishes_a_rebalance_from_the_api_state_alone()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 90);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        var first = await cluster.StartOperatorAsync("operator-1");
        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["api-c"] = 30 }, "three pods share 90");

        // Mid-rebalance: api-d's agent is up (Waiting), the shrinks of the others are written but not acknowledged
        // when the operator goes away.
        agents.HeldBack = name => !name.StartsWith("api-d.", StringComparison.Ordinal);
        await cluster.ScaleAsync("api", 4);
        await cluster.CreatePodAsync("api", "api-d", phase: "Pending");
        await Eventually.TrueAsync(
            async () => (await cluster.GrantsAsync(Budget)).Where(g => g.Spec.PodName != "api-d").Select(g => g.Spec.Limit).SequenceEqual([23, 23, 22]),
            "the shrinks are written");
        await first.DisposeAsync();

        agents.Release();
        await using var second = await cluster.StartOperatorAsync("operator-2");

        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 23, ["api-b"] = 23, ["api-c"] = 22, ["api-d"] = 22 }, "the new operator completes the step");
        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");
        recorder.AssertHeld();

        // Without election it leads from its start: its first lists began inside the term and were its fresh read.
        Assert.Equal((1, 1), FreshLists(second));
    }

    [Fact]
    public async Task Two_operators_elect_one_writer_and_the_other_takes_over_after_the_lease_runs_out()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 3);
        foreach (var pod in new[] { "api-a", "api-b", "api-c" })
        {
            await cluster.CreatePodAsync("api", pod);
        }

        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 90);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        var a = await cluster.StartOperatorAsync("operator-a", leaderElection: true);
        var b = await cluster.StartOperatorAsync("operator-b", leaderElection: true);

        // Watch both replicas' leadership the whole time: never two leaders at once.
        using var stopSampling = new CancellationTokenSource();
        var overlaps = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                if (a.Leadership.IsLeader && b.Leadership.IsLeader)
                {
                    overlaps++;
                }

                await Task.Delay(5);
            }
        });

        await Eventually.TrueAsync(() => a.Leadership.IsLeader ^ b.Leadership.IsLeader, "one replica leads");
        var (leader, follower) = a.Leadership.IsLeader ? (a, b) : (b, a);
        output.WriteLine($"leader: {leader.Identity}");

        await cluster.CreateBudgetAsync(TestCluster.Budget(Budget, maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 30, ["api-b"] = 30, ["api-c"] = 30 }, "the leader divides");
        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");
        Assert.True(leader.GrantWrites > 0);
        Assert.Equal(0, follower.GrantWrites);
        Assert.Equal(0, follower.StatusWriter.Writes);
        Assert.True(follower.Controller.CachesSynced, "the follower keeps warm caches");

        await leader.DisposeAsync();
        Assert.False(leader.Leadership.IsLeader);
        await Eventually.TrueAsync(() => follower.Leadership.IsLeader, "the follower takes over once the lease has run out");

        await cluster.ScaleAsync("api", 4);
        await cluster.CreatePodAsync("api", "api-d");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 23, ["api-b"] = 23, ["api-c"] = 22, ["api-d"] = 22 }, "the new leader rebalances");
        Assert.True(follower.GrantWrites > 0);

        // Its caches were listed long before its term: it read pods and grants afresh when the term began.
        Assert.Equal((2, 2), FreshLists(follower));

        await stopSampling.CancelAsync();
        await sampler;
        Assert.Equal(0, overlaps);
        recorder.AssertHeld();
        await follower.DisposeAsync();
    }

    /// <summary>Complete lists of pods and of grants, not counting relists after an expired watch.</summary>
    private static (long Pods, long Grants) FreshLists(RunningOperator op)
    {
        var informers = op.App.Services.GetRequiredService<BudgetInformers>();
        return (informers.Pods.Lists - informers.Pods.Relists, informers.Grants.Lists - informers.Grants.Relists);
    }
}

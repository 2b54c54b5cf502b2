using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>The pure planning rules of the workload simulator: which pods a round creates and deletes.</summary>
public sealed class SimulationPlannerTests
{
    private static readonly DeploymentStrategy Rolling = new(Recreate: false, MaxSurge: 1, MaxUnavailable: 0);

    private static SimulatedPod Pod(string name, string revision = "v1", bool ready = true, bool terminating = false, long sequence = 0, int? ordinal = null) =>
        new(name, "uid-" + name, revision, ready, terminating, ordinal, sequence);

    [Fact]
    public void Deployment_scale_up_creates_the_missing_pods()
    {
        var plan = DeploymentPlanner.Plan(5, "v1", Rolling, [Pod("a", sequence: 1), Pod("b", sequence: 2), Pod("c", sequence: 3)]);

        Assert.Equal(2, plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Deployment_scale_down_deletes_the_newest_pods_first()
    {
        var pods = new[] { Pod("old", sequence: 1), Pod("newest", sequence: 5), Pod("middle", sequence: 3), Pod("newer", sequence: 4) };

        var plan = DeploymentPlanner.Plan(2, "v1", Rolling, pods);

        Assert.Equal(0, plan.Create);
        Assert.Equal(["newest", "newer"], plan.Delete.Select(p => p.Name));
    }

    [Fact]
    public void Deployment_scale_down_takes_pods_that_are_not_ready_before_ready_ones()
    {
        var pods = new[] { Pod("ready-old", sequence: 1), Pod("pending", ready: false, sequence: 2), Pod("ready-new", sequence: 3) };

        var plan = DeploymentPlanner.Plan(1, "v1", Rolling, pods);

        Assert.Equal(["pending", "ready-new"], plan.Delete.Select(p => p.Name));
    }

    [Fact]
    public void Deployment_scale_down_breaks_ties_by_creation_time_then_name()
    {
        var early = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var pods = new[]
        {
            Pod("b") with { Created = early },
            Pod("a") with { Created = early.AddSeconds(1) },
            Pod("c") with { Created = early },
        };

        var plan = DeploymentPlanner.Plan(1, "v1", Rolling, pods);

        Assert.Equal(["a", "c"], plan.Delete.Select(p => p.Name));
    }

    [Fact]
    public void Deployment_terminating_pods_are_neither_counted_nor_deleted_again()
    {
        var pods = new[] { Pod("a", sequence: 1), Pod("b", sequence: 2, terminating: true), Pod("c", sequence: 3, terminating: true) };

        var plan = DeploymentPlanner.Plan(2, "v1", Rolling, pods);

        Assert.Equal(1, plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void Deployment_rollout_surges_before_removing_old_pods()
    {
        var old = new[] { Pod("o1", "v1", sequence: 1), Pod("o2", "v1", sequence: 2), Pod("o3", "v1", sequence: 3) };

        var first = DeploymentPlanner.Plan(3, "v2", Rolling, old);
        Assert.Equal(1, first.Create);
        Assert.Empty(first.Delete);

        // The surge pod is not ready yet: nothing more may happen.
        var waiting = DeploymentPlanner.Plan(3, "v2", Rolling, [.. old, Pod("n1", "v2", ready: false, sequence: 4)]);
        Assert.Equal(0, waiting.Create);
        Assert.Empty(waiting.Delete);

        // Once it is ready, one old pod (the newest) may go.
        var next = DeploymentPlanner.Plan(3, "v2", Rolling, [.. old, Pod("n1", "v2", sequence: 4)]);
        Assert.Equal(0, next.Create);
        Assert.Equal(["o3"], next.Delete.Select(p => p.Name));
    }

    [Fact]
    public void Deployment_rollout_converges_without_dropping_below_the_minimum_available()
    {
        var pods = Enumerable.Range(1, 4).Select(i => Pod("o" + i, "v1", sequence: i)).ToList();
        var sequence = 10L;
        var strategy = DeploymentPlanner.ResolveStrategy("RollingUpdate", "25%", "25%", 4);
        Assert.Equal(new DeploymentStrategy(false, 1, 1), strategy);

        for (var round = 0; round < 20 && !(pods.Count == 4 && pods.All(p => p.Revision == "v2" && p.Ready)); round++)
        {
            var plan = DeploymentPlanner.Plan(4, "v2", strategy, pods);

            // Within the plan's step: at most desired + maxSurge pods, at least desired - maxUnavailable ready.
            Assert.True(pods.Count + plan.Create <= 5, $"round {round}: surge exceeded");
            Assert.True(pods.Count(p => p.Ready) - plan.Delete.Count(p => p.Ready) >= 3, $"round {round}: availability dropped");

            // Deleted pods go at once; pods created last round become ready this round.
            pods = pods.Except(plan.Delete).Select(p => p with { Ready = true }).ToList();
            pods.AddRange(Enumerable.Range(0, plan.Create).Select(_ => Pod("n" + ++sequence, "v2", ready: false, sequence: sequence)));
        }

        Assert.Equal(4, pods.Count);
        Assert.All(pods, p => Assert.Equal("v2", p.Revision));
    }

    [Fact]
    public void Deployment_recreate_removes_all_old_pods_before_creating_new_ones()
    {
        var recreate = new DeploymentStrategy(Recreate: true, 0, 0);

        var first = DeploymentPlanner.Plan(2, "v2", recreate, [Pod("o1", "v1"), Pod("o2", "v1")]);
        Assert.Equal(0, first.Create);
        Assert.Equal(2, first.Delete.Count);

        var whileTerminating = DeploymentPlanner.Plan(2, "v2", recreate, [Pod("o1", "v1", terminating: true)]);
        Assert.Equal(0, whileTerminating.Create);

        var after = DeploymentPlanner.Plan(2, "v2", recreate, []);
        Assert.Equal(2, after.Create);
    }

    [Theory]
    [InlineData("25%", "25%", 10, 3, 2)]
    [InlineData("0", "0", 3, 0, 1)]
    [InlineData("2", "50%", 3, 2, 1)]
    public void Deployment_strategy_resolves_percentages_like_the_deployment_controller(string surge, string unavailable, int desired, int expectedSurge, int expectedUnavailable)
    {
        var strategy = DeploymentPlanner.ResolveStrategy("RollingUpdate", surge, unavailable, desired);

        Assert.Equal(expectedSurge, strategy.MaxSurge);
        Assert.Equal(expectedUnavailable, strategy.MaxUnavailable);
    }

    [Fact]
    public void Deployment_strategy_names_the_field_of_a_bad_value()
    {
        var error = Assert.Throws<FormatException>(() => DeploymentPlanner.ResolveStrategy("RollingUpdate", "lots", null, 3));

        Assert.Contains("maxSurge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StatefulSet_ordered_ready_creates_one_ordinal_at_a_time()
    {
        Assert.Equal([0], StatefulSetPlanner.Plan(3, "r1", parallel: false, onDelete: false, []).Create);

        var blocked = StatefulSetPlanner.Plan(3, "r1", false, false, [Pod("s-0", "r1", ready: false, ordinal: 0)]);
        Assert.Empty(blocked.Create);

        Assert.Equal([1], StatefulSetPlanner.Plan(3, "r1", false, false, [Pod("s-0", "r1", ordinal: 0)]).Create);
    }

    [Fact]
    public void StatefulSet_parallel_creates_all_missing_ordinals_at_once()
    {
        var plan = StatefulSetPlanner.Plan(4, "r1", parallel: true, onDelete: false, [Pod("s-1", "r1", ordinal: 1)]);

        Assert.Equal([0, 2, 3], plan.Create);
    }

    [Fact]
    public void StatefulSet_scale_down_removes_the_highest_ordinal_first_one_at_a_time()
    {
        var pods = Enumerable.Range(0, 5).Select(i => Pod("s-" + i, "r1", ordinal: i)).ToList();

        var first = StatefulSetPlanner.Plan(2, "r1", false, false, pods);
        Assert.Equal(["s-4"], first.Delete.Select(p => p.Name));

        pods[4] = pods[4] with { Terminating = true };
        Assert.Empty(StatefulSetPlanner.Plan(2, "r1", false, false, pods).Delete);

        pods.RemoveAt(4);
        Assert.Equal(["s-3"], StatefulSetPlanner.Plan(2, "r1", false, false, pods).Delete.Select(p => p.Name));

        var parallel = StatefulSetPlanner.Plan(2, "r1", parallel: true, onDelete: false, pods);
        Assert.Equal(["s-3", "s-2"], parallel.Delete.Select(p => p.Name));
    }

    [Fact]
    public void StatefulSet_does_not_recreate_an_ordinal_whose_pod_is_still_terminating()
    {
        var plan = StatefulSetPlanner.Plan(1, "r1", parallel: true, onDelete: false, [Pod("s-0", "r1", terminating: true, ordinal: 0)]);

        Assert.Empty(plan.Create);
    }

    [Fact]
    public void StatefulSet_rolling_update_replaces_the_highest_outdated_ordinal_only_when_all_are_ready()
    {
        var pods = Enumerable.Range(0, 3).Select(i => Pod("s-" + i, "r1", ordinal: i)).ToList();

        Assert.Equal(["s-2"], StatefulSetPlanner.Plan(3, "r2", false, false, pods).Delete.Select(p => p.Name));
        Assert.Empty(StatefulSetPlanner.Plan(3, "r2", false, onDelete: true, pods).Delete);

        pods[0] = pods[0] with { Ready = false };
        Assert.Empty(StatefulSetPlanner.Plan(3, "r2", false, false, pods).Delete);
    }
}

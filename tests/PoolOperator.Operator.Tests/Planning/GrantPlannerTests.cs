using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

public sealed class GrantPlannerTests
{
    [Fact]
    public void A_shrink_is_written_at_once_and_the_grow_waits_for_its_acknowledgement()
    {
        // 90 over a, b, c at 30 each; a fourth pod d appears: targets 23, 23, 22, 22.
        var targets = Targets(("a", 23), ("b", 23), ("c", 22), ("d", 22));
        var grants = Grants(("a", 30, 30), ("b", 30, 30), ("c", 30, 30));

        var first = GrantPlanner.Plan(90, targets, grants);

        Assert.Equal([23, 23, 22, 0], Limits(first, "a", "b", "c", "d"));
        Assert.Equal(["d"], first.Create);
        Assert.Equal(["a", "b", "c"], first.Update);
        Assert.Equal(0, first.Free);
        Assert.False(first.Settled);

        var acknowledged = Grants(("a", 23, 23), ("b", 23, 23), ("c", 22, 22), ("d", 0, 0));
        var second = GrantPlanner.Plan(90, targets, acknowledged);

        Assert.Equal([23, 23, 22, 22], Limits(second, "a", "b", "c", "d"));
        Assert.Equal(["d"], second.Update);

        var third = GrantPlanner.Plan(90, targets, Grants(("a", 23, 23), ("b", 23, 23), ("c", 22, 22), ("d", 22, 22)));
        Assert.True(third.Settled);
        Assert.True(third.IsEmpty);
    }

    [Fact]
    public void A_new_pod_starts_at_what_is_free()
    {
        var plan = GrantPlanner.Plan(100, Targets(("a", 50), ("b", 50)), Grants(("a", 50, 40)));

        Assert.Equal(50, plan.Limits["b"]);
        Assert.Equal(["b"], plan.Create);
        Assert.Equal(0, plan.Free);
    }

    [Fact]
    public void An_unacknowledged_grant_counts_with_its_limit()
    {
        var grants = new Dictionary<string, GrantState> { ["a"] = new(60, null) };

        var plan = GrantPlanner.Plan(100, Targets(("a", 60), ("b", 60)), grants);

        Assert.Equal(40, plan.Limits["b"]);
        Assert.Equal(60, plan.Held);
    }

    [Fact]
    public void Grows_go_to_the_largest_deficit_first_then_by_pod_name()
    {
        var grants = Grants(("a", 10, 10), ("b", 5, 5), ("c", 5, 5), ("x", 50, 50));

        // Free: 100 - 70 = 30; deficits a 10, b 20, c 20: b and c first (by name), then a.
        var plan = GrantPlanner.Plan(100, Targets(("a", 20), ("b", 25), ("c", 25), ("x", 30)), grants);

        Assert.Equal([10, 25, 15, 30], Limits(plan, "a", "b", "c", "x"));
        Assert.Equal(0, plan.Free);
    }

    [Fact]
    public void Raising_a_limit_up_to_what_the_pod_still_holds_costs_nothing()
    {
        // a was shrunk to 10 but still holds 30 (not acknowledged); its target rose again to 25.
        var plan = GrantPlanner.Plan(40, Targets(("a", 25), ("b", 10)), Grants(("a", 10, 30), ("b", 10, 10)));

        Assert.Equal(25, plan.Limits["a"]);
        Assert.Equal(0, plan.Free);
    }

    [Fact]
    public void When_the_capacity_dropped_the_plan_only_shrinks()
    {
        var grants = Grants(("a", 50, 50), ("b", 20, 20));

        var plan = GrantPlanner.Plan(40, Targets(("a", 20), ("b", 20), ("c", 0)), grants);

        Assert.True(plan.OverBudget);
        Assert.Equal([20, 20, 0], Limits(plan, "a", "b", "c"));
        Assert.Equal(40 - 70, plan.Free);
    }

    [Fact]
    public void Grants_of_pods_without_a_target_are_deleted_and_free_nothing_they_no_longer_hold()
    {
        var plan = GrantPlanner.Plan(50, Targets(("a", 50)), Grants(("a", 25, 25), ("gone", 25, 25)));

        Assert.Equal(["gone"], plan.Delete);
        Assert.Equal(50, plan.Limits["a"]);
    }

    [Fact]
    public void Negative_input_is_rejected_with_the_pod_named()
    {
        var error = Assert.Throws<ArgumentException>(() => GrantPlanner.Plan(10, Targets(("web-0", -1)), Grants()));

        Assert.Contains("web-0", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => GrantPlanner.Plan(-1, Targets(), Grants()));
    }

    private static Dictionary<string, int> Targets(params (string Pod, int Target)[] targets) =>
        targets.ToDictionary(t => t.Pod, t => t.Target, StringComparer.Ordinal);

    private static Dictionary<string, GrantState> Grants(params (string Pod, int Limit, int Applied)[] grants) =>
        grants.ToDictionary(g => g.Pod, g => new GrantState(g.Limit, g.Applied), StringComparer.Ordinal);

    private static int[] Limits(GrantPlan plan, params string[] pods) => [.. pods.Select(p => plan.Limits[p])];
}

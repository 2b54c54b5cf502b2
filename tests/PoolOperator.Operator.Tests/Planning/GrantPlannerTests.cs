using PoolOperator.Api;
using PoolOperator.Operator.Planning;
using static PoolOperator.Operator.Tests.Planning.PlannerCases;

namespace PoolOperator.Operator.Tests.Planning;

public sealed class GrantPlannerTests
{
    [Fact]
    public void A_shrink_is_written_at_once_and_the_raise_waits_for_its_acknowledgement()
    {
        // 90 over a, b, c at 30 each; d's agent is up: targets 23, 23, 22, 22.
        var grants = new[] { Acked("a", 30), Acked("b", 30), Acked("c", 30), Acked("d", 0) };
        var pods = new[] { Slot("a", 23), Slot("b", 23), Slot("c", 22), Slot("d", 22) };

        var first = GrantPlanner.Plan(new PlannerInput(90, grants, pods));

        Assert.Equal([23, 23, 22], first.Shrinks.Select(s => s.Limit));
        Assert.Equal([30, 30, 30], first.Shrinks.Select(s => s.Hold));
        Assert.Empty(first.Raises);
        Assert.Equal(0, first.Free);

        var second = GrantPlanner.Plan(new PlannerInput(90, [Acked("a", 23, 3), Acked("b", 23, 3), Acked("c", 22, 3), Acked("d", 0)], pods));
        Assert.Equal(new GrantWrite("d", 22, 22), Assert.Single(second.Raises));

        var third = GrantPlanner.Plan(new PlannerInput(90, [Acked("a", 23, 3), Acked("b", 23, 3), Acked("c", 22, 3), Acked("d", 22, 3)], pods));
        Assert.True(third.Settled);
        Assert.True(third.IsEmpty);
    }

    [Fact]
    public void An_unacknowledged_raise_keeps_counting_after_a_shrink_written_on_top_of_it()
    {
        // Issue 10, case 1: a was raised to 20 (generation 3, not acknowledged; its agent may have opened 20).
        var a = Grant("a", 20, 20, generation: 3, status: (GrantPhases.Active, 10, 2));
        var shrink = GrantPlanner.Plan(new PlannerInput(20, [a, Acked("b", 0)], [Slot("a", 10), Slot("b", 10)]));

        var write = Assert.Single(shrink.Shrinks);
        Assert.Equal(new GrantWrite("a", 10, 20), write);
        Assert.Empty(shrink.Raises);

        // After the shrink lands (generation 4, hold 20) and before a acknowledges it, b still gets nothing.
        var shrunk = Grant("a", 10, 20, generation: 4, status: (GrantPhases.Active, 10, 2));
        var next = GrantPlanner.Plan(new PlannerInput(20, [shrunk, Acked("b", 0)], [Slot("a", 10), Slot("b", 10)]));
        Assert.Empty(next.Raises);
        Assert.Equal(20, next.Held);
    }

    [Fact]
    public void The_holds_of_pods_without_a_target_count_and_their_grants_stay()
    {
        // Issue 10, case 2: x left the workloads (or its workload was removed) while it holds 8.
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Acked("x", 8), Acked("a", 0)], [NoSlot("x", PodStanding.OutsideWorkloads), Slot("a", 10)]));

        Assert.Empty(plan.Deletes);
        Assert.Empty(plan.Shrinks);
        Assert.Equal(new GrantWrite("a", 2, 2), Assert.Single(plan.Raises));
    }

    [Fact]
    public void A_terminating_pod_is_lowered_to_0_and_deleted_only_once_it_holds_nothing()
    {
        var lowering = GrantPlanner.Plan(new PlannerInput(10, [Acked("t", 6)], [NoSlot("t", PodStanding.Terminating)]));
        Assert.Equal(new GrantWrite("t", 0, 6), Assert.Single(lowering.Shrinks));
        Assert.Empty(lowering.Deletes);

        var unacknowledged = GrantPlanner.Plan(new PlannerInput(10, [Grant("t", 0, 6, 3, (GrantPhases.Active, 6, 2))], [NoSlot("t", PodStanding.Terminating)]));
        Assert.Empty(unacknowledged.Deletes);

        var released = GrantPlanner.Plan(new PlannerInput(10, [Grant("t", 0, 6, 3, (GrantPhases.Released, 0, 3))], [NoSlot("t", PodStanding.Terminating)]));
        Assert.Equal(new GrantDelete("t", DeleteReason.Released, ReleasesHold: true), Assert.Single(released.Deletes));
    }

    [Fact]
    public void A_grant_marked_for_deletion_stays_counted_until_its_agent_releases_and_is_never_written()
    {
        // Force-deleted pod "gone": the garbage collector (or the operator) deleted its grant, the finalizer keeps it.
        var holding = GrantPlanner.Plan(new PlannerInput(10, [Marked(Acked("gone", 7)), Acked("a", 0)], [Slot("a", 10)]));
        Assert.Equal(7, holding.Held);
        Assert.Equal(new GrantWrite("a", 3, 3), Assert.Single(holding.Raises));
        Assert.Empty(holding.Deletes);
        Assert.Empty(holding.Shrinks);
        Assert.Equal(["gone"], holding.HeldByGonePods);

        var released = GrantPlanner.Plan(new PlannerInput(10, [Marked(Grant("gone", 7, 7, 2, (GrantPhases.Released, 0, 2))), Acked("a", 3)], [Slot("a", 10)]));
        Assert.Equal(new GrantDelete("gone", DeleteReason.Released, ReleasesHold: true), Assert.Single(released.Deletes));
        Assert.Empty(released.HeldByGonePods);
        Assert.Equal(new GrantWrite("a", 10, 10), Assert.Single(released.Raises));
    }

    [Fact]
    public void A_live_pod_whose_grant_is_marked_gets_no_new_grant_until_the_old_one_is_released()
    {
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Marked(Acked("a", 4))], [Slot("a", 10)]));

        Assert.Empty(plan.Creates);
        Assert.Empty(plan.Raises);
        Assert.Empty(plan.HeldByGonePods);
        Assert.False(plan.Settled);
    }

    [Fact]
    public void A_pod_seen_to_stop_holds_nothing_whatever_its_grant_says()
    {
        // "s" stopped (terminal phase) with an unacknowledged raise to 7: its agent will never answer.
        var stopped = new HashSet<string>(StringComparer.Ordinal) { "s" };
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Grant("s", 7, 7, 3, (GrantPhases.Active, 3, 2)), Acked("a", 3)], [Slot("a", 10)], StoppedPods: stopped));

        Assert.Equal(new GrantDelete("s", DeleteReason.PodGone, ReleasesHold: true), Assert.Single(plan.Deletes));
        Assert.Equal(3, plan.Held);
        Assert.Equal(new GrantWrite("a", 10, 10), Assert.Single(plan.Raises));

        var unseen = GrantPlanner.Plan(new PlannerInput(10, [Grant("s", 7, 7, 3, (GrantPhases.Active, 3, 2)), Acked("a", 3)], [Slot("a", 10)]));
        Assert.Equal(new GrantDelete("s", DeleteReason.PodGone, ReleasesHold: false), Assert.Single(unseen.Deletes));
        Assert.Empty(unseen.Raises);
    }

    [Fact]
    public void A_grant_whose_pod_is_not_known_is_deleted_only_through_a_confirmed_read_and_still_counts()
    {
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Acked("gone", 7), Acked("a", 0)], [Slot("a", 10)]));

        Assert.Equal(new GrantDelete("gone", DeleteReason.PodGone, ReleasesHold: false), Assert.Single(plan.Deletes));
        Assert.Equal(new GrantWrite("a", 3, 3), Assert.Single(plan.Raises));
    }

    [Fact]
    public void A_new_pod_gets_no_grant_while_an_earlier_pod_of_its_name_still_has_one()
    {
        // Issue 10, case 3: web-0 recreated with a new UID; the old grant (bound to the old UID) goes first.
        var old = PlannerCases.Grant("old-uid", 5) ;
        old.Spec.PodName = "web-0";
        var plan = GrantPlanner.Plan(new PlannerInput(10, [old], [new PlannedPod("new-uid", "web-0", PodStanding.InWorkloads, null)]));

        Assert.Empty(plan.Creates);
        Assert.Equal(new GrantDelete("old-uid", DeleteReason.PodGone, ReleasesHold: false), Assert.Single(plan.Deletes));

        var after = GrantPlanner.Plan(new PlannerInput(10, [], [new PlannedPod("new-uid", "web-0", PodStanding.InWorkloads, null)]));
        Assert.Equal(["new-uid"], after.Creates);
    }

    [Fact]
    public void A_restarted_agent_that_enforces_less_than_its_limit_is_lowered_then_raised_again()
    {
        // Acknowledged at the current generation with 3 below the limit 5 (a new process after a restart).
        var grant = Grant("a", 5, 5, 4, (GrantPhases.Active, 3, 4));
        var plan = GrantPlanner.Plan(new PlannerInput(10, [grant], [Slot("a", 5)]));

        Assert.Equal(new GrantWrite("a", 3, 3), Assert.Single(plan.Shrinks));
        Assert.Empty(plan.Raises);
    }

    [Fact]
    public void Raises_are_withheld_when_not_allowed_and_shrinks_go_on()
    {
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Acked("a", 8), Acked("b", 0)], [Slot("a", 5), Slot("b", 5)], RaisesAllowed: false));

        Assert.Equal(new GrantWrite("a", 5, 8), Assert.Single(plan.Shrinks));
        Assert.Empty(plan.Raises);
        Assert.True(plan.RaisesWithheld);

        var later = GrantPlanner.Plan(new PlannerInput(10, [Acked("a", 5, 3), Acked("b", 0)], [Slot("a", 5), Slot("b", 5)], RaisesAllowed: false));
        Assert.Empty(later.Raises);
        Assert.True(later.RaisesWithheld);
    }

    [Fact]
    public void A_pod_outside_the_workloads_is_never_raised()
    {
        var plan = GrantPlanner.Plan(new PlannerInput(20, [Acked("x", 3)], [NoSlot("x", PodStanding.OutsideWorkloads)]));

        Assert.True(plan.IsEmpty);
        Assert.Equal(3, plan.Held);
    }

    [Fact]
    public void Damping_skips_a_rebalance_of_a_connection_or_two_that_only_moves_capacity_between_pods()
    {
        // The rounding extra moves from a to d: a 23 -> 22, d 22 -> 23. Both keep their limits: nothing is written.
        var grants = new[] { Acked("a", 23), Acked("b", 23), Acked("c", 22), Acked("d", 22) };
        var pods = new[] { Slot("a", 22), Slot("b", 23), Slot("c", 22), Slot("d", 23) };

        var plan = GrantPlanner.Plan(new PlannerInput(90, grants, pods));

        Assert.True(plan.IsEmpty);
        Assert.True(plan.Settled);
        Assert.Equal(23, plan.Targets["a"]);
    }

    [Fact]
    public void Damping_never_leaves_capacity_idle()
    {
        // A pod left: b's target rises by 1; damping it would leave a connection idle, so it is raised.
        var plan = GrantPlanner.Plan(new PlannerInput(10, [Acked("a", 5), Acked("b", 4)], [Slot("a", 5), Slot("b", 5)]));

        Assert.Equal(new GrantWrite("b", 5, 5), Assert.Single(plan.Raises));
    }

    [Fact]
    public void Damping_never_delays_a_scale_step()
    {
        // 30 pods at 3 over 90; a 31st pod's agent is up: the others must give room, so nobody is damped.
        var grants = Enumerable.Range(0, 30).Select(i => Acked($"p{i:D2}", 3)).Append(Acked("new", 0)).ToList();
        var pods = Enumerable.Range(0, 30).Select(i => Slot($"p{i:D2}", i < 28 ? 3 : 2)).Append(Slot("new", 2)).ToList();

        var plan = GrantPlanner.Plan(new PlannerInput(90, grants, pods));

        Assert.Equal([new GrantWrite("p28", 2, 3), new GrantWrite("p29", 2, 3)], plan.Shrinks);
        Assert.Equal(2, plan.Targets["new"]);
    }
}

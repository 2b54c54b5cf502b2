using PoolOperator.Api.Protocol;

namespace PoolOperator.Api.Tests.Protocol;

/// <summary>The agent's decisions (docs/protocol.md, "What an agent must do"), step by step.</summary>
public sealed class GrantFollowerTests
{
    [Fact]
    public void Starts_closed_and_ignores_a_grant_bound_to_another_pod_UID()
    {
        var follower = new GrantFollower(Grants.PodUid);
        Assert.Equal(0, follower.Limit);
        Assert.Null(follower.PendingAcknowledgement);

        var taken = follower.Observe(Grants.Issued(generation: 1, limit: 8, podUid: "9a9a9a9a-0000-4000-8000-000000000000"));

        Assert.False(taken);
        Assert.False(follower.HasGrant);
        Assert.Equal(0, follower.Limit);
        Assert.Null(follower.PendingAcknowledgement);
    }

    [Fact]
    public void First_sight_of_a_grant_at_0_is_acknowledged_Waiting_and_a_raise_Active_at_once()
    {
        var follower = new GrantFollower(Grants.PodUid);

        Assert.True(follower.Observe(Grants.Issued(generation: 1, limit: 0)));
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Waiting, 0, 1), follower.PendingAcknowledgement);
        Assert.False(follower.HasApplied);

        follower.Observe(Grants.Issued(generation: 2, limit: 6));
        Assert.Equal(6, follower.Limit);
        Assert.True(follower.HasApplied);
        Assert.False(follower.MeasurementNeeded);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 6, 2), follower.PendingAcknowledgement);
        Assert.Equal(Grants.ObjectUid, follower.GrantUid);
    }

    [Fact]
    public void A_shrink_is_acknowledged_only_once_measured_within_the_new_limit()
    {
        var follower = Following(limit: 10, generation: 1);

        follower.Observe(Grants.Issued(generation: 2, limit: 4));
        Assert.Equal(4, follower.Limit);
        Assert.True(follower.MeasurementNeeded);
        Assert.Null(follower.PendingAcknowledgement);

        // Draining: what could still be held is acknowledged as it falls, never the new limit before it holds.
        follower.Measured(10);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(7);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 7, 2), follower.PendingAcknowledgement);
        Assert.True(follower.MeasurementNeeded);
        follower.Written(follower.PendingAcknowledgement!);
        follower.Measured(7);
        Assert.Null(follower.PendingAcknowledgement);

        follower.Measured(4);
        Assert.False(follower.MeasurementNeeded);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 4, 2), follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_stopping_agent_acknowledges_nothing_but_the_release()
    {
        var follower = Following(limit: 6, generation: 1);
        follower.Stop();

        follower.Measured(3);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(0);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Released, 0, 1), follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_newer_limit_before_the_acknowledgement_is_written_replaces_it_and_a_late_write_confirmation_loses_nothing()
    {
        // Issue 10, point 1: raised to 20, then shrunk to 10 before the raise's acknowledgement landed.
        var follower = Following(limit: 10, generation: 1);
        follower.Observe(Grants.Issued(generation: 2, limit: 20));
        var raise = follower.PendingAcknowledgement!;
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 20, 2), raise);

        follower.Observe(Grants.Issued(generation: 3, limit: 10, hold: 20));
        Assert.Null(follower.PendingAcknowledgement);
        follower.Written(raise);
        Assert.True(follower.MeasurementNeeded);

        follower.Measured(10);
        var shrink = follower.PendingAcknowledgement;
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 10, 3), shrink);

        // A raise arriving while that acknowledgement is in flight replaces it; the confirmation of the older write keeps the newer.
        follower.Observe(Grants.Issued(generation: 4, limit: 12));
        follower.Written(shrink!);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 12, 4), follower.PendingAcknowledgement);
        follower.Written(follower.PendingAcknowledgement!);
        Assert.Null(follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_raise_while_a_shrink_is_still_measured_waits_for_the_measurement()
    {
        var follower = Following(limit: 10, generation: 1);
        follower.Observe(Grants.Issued(generation: 2, limit: 3));
        follower.Observe(Grants.Issued(generation: 3, limit: 8, hold: 10));

        Assert.Equal(8, follower.Limit);
        Assert.True(follower.MeasurementNeeded);
        Assert.Null(follower.PendingAcknowledgement);

        // 9 is below the 10 held before the shrink: acknowledged as what could still be held, for the newest generation.
        follower.Measured(9);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 9, 3), follower.PendingAcknowledgement);
        follower.Measured(8);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 8, 3), follower.PendingAcknowledgement);
    }

    [Fact]
    public void Our_own_status_write_coming_back_and_stale_events_change_nothing()
    {
        var follower = Following(limit: 5, generation: 2);

        Assert.False(follower.Observe(Grants.Issued(generation: 2, limit: 5).WithStatus(GrantPhases.Active, 5, 2)));
        Assert.False(follower.Observe(Grants.Issued(generation: 1, limit: 9)));
        Assert.Equal(5, follower.Limit);
        Assert.Null(follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_deleted_grant_fails_closed_and_a_new_grant_waits_for_the_measurement()
    {
        var follower = Following(limit: 5, generation: 2);

        follower.GrantDeleted();
        Assert.Equal(0, follower.Limit);
        Assert.False(follower.HasGrant);
        Assert.True(follower.MeasurementNeeded);
        follower.Measured(2);
        Assert.Null(follower.PendingAcknowledgement);

        follower.Observe(Grants.Issued(generation: 1, limit: 3, objectUid: "e0e0e0e0-0000-4000-8000-000000000001"));
        Assert.Equal(3, follower.Limit);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(3);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 3, 1), follower.PendingAcknowledgement);
    }

    [Fact]
    public void The_default_fallback_is_0_and_a_grant_that_came_first_wins_over_the_startup_timer()
    {
        var closed = new GrantFollower(Grants.PodUid);
        closed.StartupWaitElapsed(0);
        Assert.Equal(0, closed.Limit);

        var granted = Following(limit: 4, generation: 1);
        granted.StartupWaitElapsed(2);
        Assert.Equal(4, granted.Limit);

        var fallback = new GrantFollower(Grants.PodUid);
        fallback.StartupWaitElapsed(2);
        Assert.Equal(2, fallback.Limit);
        Assert.False(fallback.HasApplied);
        fallback.Observe(Grants.Issued(generation: 1, limit: 1));
        Assert.Equal(1, fallback.Limit);
        Assert.True(fallback.MeasurementNeeded);
    }

    [Fact]
    public void After_a_restart_the_agent_never_exceeds_what_its_predecessor_acknowledged()
    {
        var follower = new GrantFollower(Grants.PodUid);
        follower.Observe(Grants.Issued(generation: 3, limit: 8).WithStatus(GrantPhases.Active, appliedLimit: 4, observedGeneration: 3));
        Assert.Equal(4, follower.Limit);

        var afterRelease = new GrantFollower(Grants.PodUid);
        afterRelease.Observe(Grants.Issued(generation: 5, limit: 8).WithStatus(GrantPhases.Released, appliedLimit: 0, observedGeneration: 5));
        Assert.Equal(0, afterRelease.Limit);
    }

    [Fact]
    public void Stop_admits_nothing_then_releases_the_newest_generation_once_measured_empty()
    {
        var follower = Following(limit: 6, generation: 2);

        follower.Stop();
        Assert.Equal(0, follower.Limit);
        Assert.True(follower.Stopping);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(1);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(0);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Released, 0, 2), follower.PendingAcknowledgement);

        follower.Observe(Grants.Issued(generation: 3, limit: 9));
        Assert.Equal(0, follower.Limit);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Released, 0, 3), follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_limit_above_the_ceiling_is_applied_and_acknowledged_as_the_ceiling()
    {
        var follower = new GrantFollower(Grants.PodUid, ceiling: 5);

        follower.Observe(Grants.Issued(generation: 1, limit: 50));

        Assert.Equal(5, follower.Limit);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Active, 5, 1), follower.PendingAcknowledgement);
    }

    [Fact]
    public void A_grant_marked_for_deletion_closes_the_gate_and_is_released_once_measured_0_and_only_once()
    {
        var follower = Following(limit: 5, generation: 3);
        var marked = MarkedForDeletion(Grants.Issued(generation: 3, limit: 5));

        Assert.True(follower.Observe(marked));
        Assert.Equal(0, follower.Limit);
        Assert.True(follower.MeasurementNeeded);
        Assert.Null(follower.PendingAcknowledgement);

        follower.Measured(1);
        Assert.Null(follower.PendingAcknowledgement);
        follower.Measured(0);
        var released = new AgentAcknowledgement(GrantPhases.Released, 0, 3);
        Assert.Equal(released, follower.PendingAcknowledgement);
        follower.Written(released);

        Assert.False(follower.Observe(marked));
        Assert.Null(follower.PendingAcknowledgement);
    }

    [Fact]
    public void An_agent_that_starts_under_a_grant_marked_for_deletion_holds_nothing_and_releases_it()
    {
        var follower = new GrantFollower(Grants.PodUid);
        var marked = MarkedForDeletion(Grants.Issued(generation: 2, limit: 5));

        Assert.True(follower.Observe(marked));
        Assert.Equal(0, follower.Limit);
        follower.Measured(0);
        Assert.Equal(new AgentAcknowledgement(GrantPhases.Released, 0, 2), follower.PendingAcknowledgement);
        Assert.False(follower.HasApplied);
    }

    private static ConnectionGrant MarkedForDeletion(ConnectionGrant grant)
    {
        grant.Metadata.DeletionTimestamp = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        return grant;
    }

    private static GrantFollower Following(int limit, long generation)
    {
        var follower = new GrantFollower(Grants.PodUid);
        follower.Observe(Grants.Issued(generation, limit));
        follower.Written(follower.PendingAcknowledgement!);
        return follower;
    }
}

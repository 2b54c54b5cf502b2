using PoolOperator.Api.Protocol;

namespace PoolOperator.Api.Tests.Protocol;

/// <summary>What a pod may hold, from its grant alone (docs/protocol.md, "Holds").</summary>
public sealed class GrantHoldsTests
{
    [Fact]
    public void An_acknowledged_grant_holds_its_applied_limit()
    {
        var grant = Grants.Issued(generation: 3, limit: 10, hold: 20).WithStatus(GrantPhases.Active, appliedLimit: 10, observedGeneration: 3);

        Assert.True(GrantHolds.IsAcknowledged(grant));
        Assert.Equal(10, GrantHolds.Held(grant));
    }

    [Fact]
    public void An_unacknowledged_shrink_written_over_an_unacknowledged_raise_holds_the_raise()
    {
        // Issue 10, point 1: 10 acknowledged, raised to 20 (never acknowledged), shrunk to 10: the pod may hold 20.
        var acknowledged = Grants.Issued(generation: 1, limit: 10).WithStatus(GrantPhases.Active, 10, 1);
        var raised = Grants.Issued(generation: 2, limit: 20, hold: GrantHolds.HoldWith(acknowledged, 20)).WithStatus(GrantPhases.Active, 10, 1);
        var shrunk = Grants.Issued(generation: 3, limit: 10, hold: GrantHolds.HoldWith(raised, 10)).WithStatus(GrantPhases.Active, 10, 1);

        Assert.Equal(20, raised.Spec.Hold);
        Assert.Equal(20, shrunk.Spec.Hold);
        Assert.Equal(20, GrantHolds.Held(shrunk));
    }

    [Fact]
    public void A_late_acknowledgement_of_an_older_generation_releases_nothing()
    {
        var grant = Grants.Issued(generation: 3, limit: 5, hold: 20).WithStatus(GrantPhases.Active, appliedLimit: 5, observedGeneration: 2);

        Assert.False(GrantHolds.IsAcknowledged(grant));
        Assert.Equal(20, GrantHolds.Held(grant));
    }

    [Fact]
    public void A_released_grant_holds_nothing_and_a_grant_never_written_by_an_agent_holds_its_limit()
    {
        Assert.Equal(0, GrantHolds.Held(Grants.Issued(generation: 4, limit: 6).WithStatus(GrantPhases.Released, 0, 4)));
        Assert.Equal(6, GrantHolds.Held(Grants.Issued(generation: 1, limit: 6, hold: 0)));
        Assert.Equal(0, GrantHolds.Held(generation: 1, limit: -3, hold: null, observedGeneration: null, appliedLimit: null));
    }
}

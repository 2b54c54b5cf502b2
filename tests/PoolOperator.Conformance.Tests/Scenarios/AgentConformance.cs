using PoolOperator.Api;
using PoolOperator.Conformance.Tests.Infrastructure;

namespace PoolOperator.Conformance.Tests.Scenarios;

/// <summary>
/// The protocol scenarios every agent passes (docs/protocol.md, "What an agent must do" and "Conformance suite"),
/// each run against every agent of <see cref="Agents"/>. The suite plays the operator: it creates and patches the
/// pod's grant, and checks the agent's status writes and its physical connections (pg_stat_activity by
/// application_name).
/// </summary>
[Collection(ConformanceSuite.Name)]
public sealed class AgentConformance(ConformanceCluster cluster)
{
    /// <summary>The Go and the .NET agent; only the third-party agent when POOLOPERATOR_CONFORMANCE_AGENT names one.</summary>
    public static TheoryData<string> Agents() =>
        AgentLaunch.External() is null ? new TheoryData<string>(AgentLaunch.GoName, AgentLaunch.DotNetName) : new TheoryData<string>(AgentLaunch.ExternalName);

    /// <summary>Steps 1 to 3: start closed, take the first grant, say "up" with {Waiting, 0}, then use a limit.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task StartAndFirstGrant(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.Agent.HoldAsync(1);
        await pod.NeverAboveAsync(0);

        await pod.Grant.CreateAsync(0);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Waiting, 0, pod.Agent);
        await pod.NeverAboveAsync(0);

        await pod.Grant.SetLimitAsync(2);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 2, pod.Agent);
        await pod.HeldAsync(1);
        Assert.Equal(1, await pod.BackendsAsync());
    }

    /// <summary>Step 5, a raise: acknowledged at once, and the waiting opens go through up to the new limit.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task Raise(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(1);
        await pod.Agent.HoldAsync(3);
        await pod.HeldAsync(1);
        await pod.NeverAboveAsync(1);

        await pod.Grant.SetLimitAsync(3);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 3, pod.Agent);
        await pod.HeldAsync(3);
        Assert.Equal(3, await pod.BackendsAsync());
    }

    /// <summary>Step 5, a shrink while busy: no connection is taken back, and the acknowledgement waits for the surplus to close.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task ShrinkWhileBusy(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(4);
        await pod.HoldBusyAsync(4);

        var shrink = await pod.Grant.SetLimitAsync(2);
        await NotAcknowledgedWhileBusyAsync(pod, shrink.Metadata.Generation!.Value, busy: 4);

        // One comes back: the agent closes it and acknowledges the 3 it could still hold, for the shrink's generation.
        await pod.Agent.ReleaseAsync(1);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 3, pod.Agent);
        Assert.True(await pod.BackendsAsync() <= 3, "acknowledged 3 with more backends open");

        await pod.Agent.ReleaseAsync(1);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 2, pod.Agent);
        Assert.True(await pod.BackendsAsync() <= 2, "acknowledged 2 with more backends open");
        await pod.Agent.HoldAsync(1);
        await pod.NeverAboveAsync(2);
    }

    /// <summary>Step 5, a newer limit before the acknowledgement: the agent answers the newest generation, never the superseded one.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task NewerLimitBeforeAcknowledgement(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(4);
        await pod.HoldBusyAsync(4);

        var superseded = await pod.Grant.SetLimitAsync(2);
        var newest = await pod.Grant.SetLimitAsync(3);
        Assert.True(newest.Metadata.Generation > superseded.Metadata.Generation);
        await NotAcknowledgedWhileBusyAsync(pod, newest.Metadata.Generation!.Value, busy: 4);

        await pod.Agent.ReleaseAsync(1);
        var acknowledged = await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 3, pod.Agent);
        Assert.Equal(newest.Metadata.Generation, acknowledged.Status!.ObservedGeneration);
        Assert.DoesNotContain(pod.Grant.Writes, write => write.AppliedLimit is < 3 && write.ObservedGeneration >= superseded.Metadata.Generation);
        Assert.True(await pod.BackendsAsync() <= 3, "acknowledged 3 with more backends open");
    }

    /// <summary>Step 6: the grant is deleted, so the agent enforces 0 and closes everything.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task GrantDeleted(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(3);
        await pod.HoldBusyAsync(2);
        await pod.Agent.ReleaseAsync(2); // the connections go back to the pool, idle

        await pod.Grant.DeleteAsync();
        await Eventually.TrueAsync(async () => await pod.BackendsAsync() == 0, () => $"{pod.Name} closed everything after its grant was deleted. Its log:{Environment.NewLine}{pod.Agent.Log}");
        await pod.Agent.HoldAsync(1);
        await pod.NeverAboveAsync(0);
    }

    /// <summary>
    /// Step 6, with the operator's finalizer: the deleted grant stays, marked. The agent holds nothing, lets the work in
    /// flight finish, closes everything, and only then writes {Released, 0}, which is what lets the operator release it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task GrantMarkedForDeletion(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(3);
        await pod.Grant.AddFinalizerAsync();
        await pod.HoldBusyAsync(2);

        await pod.Grant.DeleteAsync();
        for (var sample = 0; sample < 6; sample++)
        {
            var grant = await pod.Grant.GetAsync();
            Assert.NotNull(grant.Metadata.DeletionTimestamp);
            Assert.False(grant.Status?.Phase == GrantPhases.Released, "released while two connections were still in use");
            await Task.Delay(50);
        }

        await pod.Agent.ReleaseAsync(2);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Released, 0, pod.Agent);
        Assert.Equal(0, await pod.Agent.HeldAsync());
        await Eventually.TrueAsync(async () => await pod.BackendsAsync() == 0, () => $"{pod.Name}'s backends are gone after its release");
        await pod.Agent.HoldAsync(1);
        await pod.NeverAboveAsync(0);
        await pod.Grant.RemoveFinalizersAsync();
    }

    /// <summary>Step 7: without the API the last limit stays; once back, the agent re-lists and answers what was issued meanwhile.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task ApiLostAndBack(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(3);

        pod.Link.Cut();
        await pod.Agent.HoldAsync(4);
        await pod.HeldAsync(3);
        await pod.NeverAboveAsync(3);
        await pod.Grant.SetLimitAsync(1); // issued while the agent cannot see it
        await pod.Agent.ReleaseAsync(4);

        pod.Link.Restore();
        await pod.Grant.AcknowledgedAsync(GrantPhases.Active, 1, pod.Agent);
        Assert.True(await pod.BackendsAsync() <= 1, "acknowledged 1 with more backends open");
    }

    /// <summary>Step 8: stop admitting, let in-flight work finish, close everything, then write {Released, 0}.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task Stop(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.ActiveAsync(2);
        await pod.HoldBusyAsync(2);

        await pod.Agent.StopAsync();
        for (var sample = 0; sample < 6; sample++)
        {
            var grant = await pod.Grant.GetAsync();
            Assert.False(grant.Status?.Phase == GrantPhases.Released, "released while two connections were still in use");
            await Task.Delay(50);
        }

        await pod.Agent.ReleaseAsync(2); // the in-flight work finishes within the grace period
        Assert.Equal("stopped", await pod.Agent.StoppedAsync());
        Assert.Equal(0, pod.Agent.ExitCode);
        await pod.Grant.AcknowledgedAsync(GrantPhases.Released, 0, pod.Agent);

        // The agent closed its sockets; each backend notices and exits on its own schedule, so the server's count
        // reaches 0 shortly after, never at the same instant.
        await Eventually.TrueAsync(async () => await pod.BackendsAsync() == 0, () => $"{pod.Name}'s backends are gone after its release");
    }

    /// <summary>Step 2: a grant bound to another pod UID (a previous pod of the same name) is not followed, nor written.</summary>
    [Theory]
    [MemberData(nameof(Agents))]
    public async Task AnotherPodsGrantIgnored(string agent)
    {
        await using var pod = await StartPodAsync(agent);
        await pod.Grant.CreateAsync(3, podUid: Guid.NewGuid().ToString());
        await pod.Agent.HoldAsync(1);
        await pod.NeverAboveAsync(0);
        Assert.Null((await pod.Grant.GetAsync()).Status);
    }

    private static async Task NotAcknowledgedWhileBusyAsync(PodUnderTest pod, long generation, int busy)
    {
        for (var sample = 0; sample < 6; sample++)
        {
            var grant = await pod.Grant.GetAsync();
            Assert.False(
                grant.Status?.ObservedGeneration >= generation && grant.Status.AppliedLimit < busy,
                $"acknowledged {grant.Status?.AppliedLimit} for generation {generation} while {busy} connections were busy");
            Assert.Equal(busy, await pod.BackendsAsync());
            await Task.Delay(50);
        }
    }

    private Task<PodUnderTest> StartPodAsync(string agent) => PodUnderTest.StartAsync(cluster, agent, AgentLaunch.Named(agent));
}

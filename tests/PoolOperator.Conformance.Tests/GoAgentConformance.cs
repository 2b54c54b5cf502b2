using PoolOperator.Conformance.Tests.Infrastructure;
using PoolOperator.Conformance.Tests.Scenarios;

namespace PoolOperator.Conformance.Tests;

/// <summary>
/// The scenarios against the Go agent (clients/go/cmd/conformance-agent), or against the agent command named by
/// POOLOPERATOR_CONFORMANCE_AGENT: a third-party agent runs the suite this way (docs/protocol.md, "Conformance suite").
/// </summary>
[Collection(ConformanceSuite.Name)]
public sealed class GoAgentConformance(ConformanceCluster cluster) : ConformanceScenarios(cluster)
{
    private protected override string AgentName => "go";

    [Fact]
    public Task StartAndFirstGrant() => StartAndFirstGrantAsync();

    [Fact]
    public Task Raise() => RaiseAsync();

    [Fact]
    public Task ShrinkWhileBusy() => ShrinkWhileBusyAsync();

    [Fact]
    public Task NewerLimitBeforeAcknowledgement() => NewerLimitBeforeAcknowledgementAsync();

    [Fact]
    public Task GrantDeleted() => GrantDeletedAsync();

    [Fact]
    public Task ApiLostAndBack() => ApiLostAndBackAsync();

    [Fact]
    public Task Stop() => StopAsync();

    [Fact]
    public Task AnotherPodsGrantIgnored() => AnotherPodsGrantIgnoredAsync();

    private protected override AgentLaunch Launch() => AgentLaunch.GoOrExternal();
}

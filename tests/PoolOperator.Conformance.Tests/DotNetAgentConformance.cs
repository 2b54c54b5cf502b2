using PoolOperator.Conformance.Tests.Infrastructure;
using PoolOperator.Conformance.Tests.Scenarios;

namespace PoolOperator.Conformance.Tests;

/// <summary>The scenarios against the .NET agent (PoolOperator.ClientAgent, through tests/PoolOperator.Conformance.DotNetAgent).</summary>
[Collection(ConformanceSuite.Name)]
public sealed class DotNetAgentConformance(ConformanceCluster cluster) : ConformanceScenarios(cluster)
{
    private protected override string AgentName => "dotnet";

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

    private protected override AgentLaunch Launch() => AgentLaunch.DotNet();
}

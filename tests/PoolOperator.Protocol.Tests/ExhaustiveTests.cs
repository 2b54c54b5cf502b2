using PoolOperator.Protocol.Tests.Model;
using Xunit.Abstractions;

namespace PoolOperator.Protocol.Tests;

/// <summary>
/// Bounded exhaustive exploration of small scopes (docs/protocol.md, "Scopes checked"): every interleaving of every
/// enabled action from a settled start, with one scale step, one leader change (its pod list possibly stale, its
/// request in flight landing late), and one agent crash.
/// </summary>
public sealed class ExhaustiveTests(ITestOutputHelper output)
{
    private static WorldScope Scope(int pods, int scaleUps, int scaleDowns, int creates) => new()
    {
        Available = 6,
        PodNames = 3,
        MaxReplicas = 3,
        Surges = 0,
        StepwiseWatches = false,
        FaultBudget = new Dictionary<ActionKind, int>
        {
            [ActionKind.LeaderChange] = 1,
            [ActionKind.HpaScaleUp] = pods + scaleUps,
            [ActionKind.HpaScaleDown] = scaleDowns,
            [ActionKind.CreatePod] = pods + creates,
            [ActionKind.AgentCrash] = 1,
            [ActionKind.RelabelOut] = 0,
            [ActionKind.BreakConnection] = 0,
            [ActionKind.ServerFull] = 0,
        },
    };

    [Theory]
    [InlineData("2 pods, scale up to 3", 2, "HpaScaleUp CreatePod(2) AgentStart(2)", 5)]
    [InlineData("3 pods, scale down to 2", 3, "HpaScaleDown TerminatePod(2)", 5)]
    [InlineData("2 pods, p1 recreated under its name", 2, "HpaScaleDown TerminatePod(1) HpaScaleUp CreatePod(1) AgentStart(1)", 4)]
    public void Every_interleaving_along_a_small_scope_keeps_the_invariant(string name, int pods, string events, int depth)
    {
        var scope = Scope(pods, scaleUps: 1, scaleDowns: 1, creates: 1);
        var actions = events.Split(' ').Select(Parse).ToList();
        Action<World> start = w => w.StartSettled(pods, i => (6 / pods) + (i < 6 % pods ? 1 : 0));

        // The canonical run completes the step: the pods that remain share all 6 connections again.
        var canonical = Simulation.Replay(Exploration.Canonical(scope, start, actions, Simulation.Real), scope, Simulation.Real, "canonical", start);
        Assert.Equal(6, canonical.PhysicallyHeld);

        var result = Exploration.ExploreAlong(scope, start, actions, depth, Simulation.Real);
        output.WriteLine($"{name}: {result.States} states, {result.Transitions} transitions, {result.DepthCut} at the depth bound {depth}");
        Assert.True(result.States > 100, "the exploration reached too few states to mean anything");
    }

    private static SimAction Parse(string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        return open < 0
            ? new SimAction(Enum.Parse<ActionKind>(text))
            : new SimAction(Enum.Parse<ActionKind>(text[..open]), int.Parse(text[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
    }
}

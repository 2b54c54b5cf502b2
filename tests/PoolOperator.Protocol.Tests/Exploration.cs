using PoolOperator.Protocol.Tests.Model;

namespace PoolOperator.Protocol.Tests;

/// <summary>What an exhaustive exploration covered.</summary>
/// <param name="States">Distinct states reached (by fingerprint).</param>
/// <param name="Transitions">Actions taken from them.</param>
/// <param name="DepthCut">States at the depth bound, not expanded further.</param>
public sealed record ExplorationResult(int States, long Transitions, int DepthCut);

/// <summary>
/// A bounded model check: from a settled start, every interleaving of every enabled action (each fault within its
/// budget) up to a depth, with states merged by fingerprint. Each state is rebuilt by replaying its path, so the
/// exploration runs exactly the code the random schedules run.
/// </summary>
public static class Exploration
{
    /// <summary>
    /// Explores every interleaving of up to <paramref name="depth"/> actions from every point of the scope's
    /// canonical run (<paramref name="events"/> happening, then ordinary progress until nothing changes), so each
    /// window of <paramref name="depth"/> consecutive steps anywhere along the scenario is covered exhaustively.
    /// </summary>
    public static ExplorationResult ExploreAlong(WorldScope scope, Action<World> start, IReadOnlyList<SimAction> events, int depth, Decider decide)
    {
        var canonical = Canonical(scope, start, events, decide);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        long transitions = 0;
        var cut = 0;
        for (var k = 0; k <= canonical.Count; k++)
        {
            var result = Explore(scope, start, [.. canonical.Take(k)], depth, decide, visited);
            transitions += result.Transitions;
            cut += result.DepthCut;
        }

        return new ExplorationResult(visited.Count, transitions, cut);
    }

    /// <summary>The scope's canonical run: the events in order, each followed by ordinary progress until quiet.</summary>
    public static List<SimAction> Canonical(WorldScope scope, Action<World> start, IReadOnlyList<SimAction> events, Decider decide)
    {
        var world = new World(scope, decide);
        start(world);
        var path = new List<SimAction>();
        foreach (var e in events)
        {
            path.Add(e);
            world.Do(e);
            for (var round = 0; round < 200; round++)
            {
                var next = world.Enabled().FirstOrDefault(a => a.Kind is ActionKind.Deliver or ActionKind.AgentAck or ActionKind.AgentMeasure
                    or ActionKind.AgentOpen or ActionKind.AgentClose or ActionKind.PodRunning or ActionKind.AgentStop or ActionKind.RemovePod
                    or ActionKind.GarbageCollect
                    || (a.Kind is ActionKind.AgentObserve or ActionKind.SyncGrants or ActionKind.SyncPods && a.Flag)
                    || (a.Kind is ActionKind.AgentExit && !a.Flag));
                if (next is null)
                {
                    var before = world.Fingerprint();
                    world.Do(new(ActionKind.Reconcile));
                    if (!world.Leader.Writing && world.Fingerprint() == before)
                    {
                        break;
                    }

                    path.Add(new(ActionKind.Reconcile));
                    continue;
                }

                path.Add(next);
                world.Do(next);
            }
        }

        return path;
    }

    /// <summary>Explores; throws <see cref="InvariantViolationException"/> with the path on a violation.</summary>
    public static ExplorationResult Explore(WorldScope scope, Action<World> start, IReadOnlyList<SimAction> prefix, int depth, Decider decide, HashSet<string>? seen = null)
    {
        var visited = seen ?? new HashSet<string>(StringComparer.Ordinal);
        long transitions = 0;
        var cut = 0;
        var path = new List<SimAction>(prefix);
        Visit(0);
        return new ExplorationResult(visited.Count, transitions, cut);

        void Visit(int level)
        {
            var world = Simulation.Replay(path, scope, decide, "exhaustive", start);
            if (!visited.Add(world.Fingerprint()))
            {
                return;
            }

            if (level >= depth)
            {
                cut++;
                return;
            }

            foreach (var action in world.Enabled())
            {
                transitions++;
                path.Add(action);
                Visit(level + 1);
                path.RemoveAt(path.Count - 1);
            }

        }
    }
}

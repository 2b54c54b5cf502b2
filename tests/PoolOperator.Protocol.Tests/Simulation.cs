using System.Text;
using PoolOperator.Operator.Budgets;
using PoolOperator.Protocol.Tests.Model;

namespace PoolOperator.Protocol.Tests;

/// <summary>A run that broke the invariant: its seed and schedule reproduce it.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

/// <summary>Runs schedules against the model, checking the invariant after every step.</summary>
public static class Simulation
{
    /// <summary>The real decision code.</summary>
    public static readonly Decider Real = BudgetDecision.Decide;

    /// <summary>Actions that are faults are chosen less often than the ordinary ones, so runs also make progress.</summary>
    private static int Weight(ActionKind kind) => kind switch
    {
        ActionKind.LeaderChange or ActionKind.AgentCrash or ActionKind.RelabelOut or ActionKind.BreakConnection or ActionKind.ServerFull or ActionKind.ForceDelete => 1,
        ActionKind.LateWrite or ActionKind.GarbageCollect or ActionKind.OrphanExit or ActionKind.HpaScaleUp or ActionKind.HpaScaleDown or ActionKind.CreatePod => 3,
        ActionKind.Reconcile => 4,
        _ => 10,
    };

    /// <summary>Runs one random schedule of <paramref name="steps"/> steps from <paramref name="seed"/>.</summary>
    /// <exception cref="InvariantViolationException">The invariant broke; the message has the seed and the schedule.</exception>
    public static World RunRandom(int seed, int steps, WorldScope scope, Decider decide)
    {
        var random = new Random(seed);
        var world = new World(scope, decide);
        var schedule = new List<(SimAction, string, int)>();
        for (var step = 0; step < steps; step++)
        {
            var enabled = world.Enabled();
            var total = enabled.Sum(a => Weight(a.Kind));
            var pick = random.Next(total);
            var action = enabled[^1];
            foreach (var candidate in enabled)
            {
                pick -= Weight(candidate.Kind);
                if (pick < 0)
                {
                    action = candidate;
                    break;
                }
            }

            Step(world, action, schedule, $"seed {seed}");
        }

        return world;
    }

    /// <summary>Replays a schedule of actions from the start.</summary>
    public static World Replay(IReadOnlyList<SimAction> actions, WorldScope scope, Decider decide, string origin, Action<World>? start = null)
    {
        var world = new World(scope, decide);
        start?.Invoke(world);
        var schedule = new List<(SimAction, string, int)>();
        foreach (var action in actions)
        {
            Step(world, action, schedule, origin);
        }

        return world;
    }

    /// <summary>Does one action and checks the invariant.</summary>
    public static void Step(World world, SimAction action, List<(SimAction Action, string What, int Held)> schedule, string origin)
    {
        var what = world.Do(action);
        schedule.Add((action, what, world.PhysicallyHeld));
        if (!world.InvariantHolds)
        {
            var text = new StringBuilder()
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Invariant broken ({origin}): the agents physically hold {world.PhysicallyHeld}, more than available. Schedule:");
            for (var i = 0; i < schedule.Count; i++)
            {
                var (a, w, held) = schedule[i];
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{i,4} {a,-22} {w}  [physically held {held}]");
            }

            throw new InvariantViolationException(text.ToString());
        }
    }
}

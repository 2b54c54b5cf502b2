using FsCheck.Xunit;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

public sealed class GrantPlannerProperties
{
    [Property(MaxTest = 2000, Arbitrary = [typeof(PlannerArbitraries)])]
    public bool The_invariant_holds_after_every_step_and_every_acknowledgement(PlannerCase c)
    {
        var sim = new PlannerSimulation(c.Available, c.Grants, c.Targets);
        if (!sim.InvariantHolds)
        {
            throw new InvalidOperationException("the generator must start within the invariant");
        }

        foreach (var e in c.Events)
        {
            sim.Apply(e);
            if (!sim.InvariantHolds)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(ConvergenceArbitraries)])]
    public bool With_every_agent_acknowledging_the_targets_are_reached_in_two_rounds(PlannerCase c)
    {
        var sim = new PlannerSimulation(c.Available, c.Grants, c.Targets);
        return ConvergesInTwoRounds(sim);
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(AllocatedArbitraries)])]
    public bool The_allocators_targets_are_reached_in_two_rounds(PlannerCase c)
    {
        var sim = new PlannerSimulation(c.Available, c.Grants, c.Targets);
        return ConvergesInTwoRounds(sim);
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(OverBudgetArbitraries)])]
    public bool After_the_capacity_dropped_the_first_round_only_shrinks_and_the_second_converges(PlannerCase c)
    {
        var sim = new PlannerSimulation(c.Available, c.Grants, c.Targets);
        return ConvergesInTwoRounds(sim);
    }

    /// <summary>
    /// Two rounds of plan, write, every agent acknowledges; then the third plan finds every
    /// limit at its target, acknowledged, writes nothing, and the invariant holds.
    /// </summary>
    private static bool ConvergesInTwoRounds(PlannerSimulation sim)
    {
        for (var round = 0; round < 2; round++)
        {
            sim.Step();
            sim.AcknowledgeAll();
        }

        var third = sim.Step();
        return third.Settled
            && third.IsEmpty
            && sim.InvariantHolds
            && sim.Targets.All(t => sim.Grants[t.Key] == new GrantState(t.Value, t.Value));
    }
}

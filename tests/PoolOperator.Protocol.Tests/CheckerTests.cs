using PoolOperator.Api.Protocol;
using PoolOperator.Operator.Budgets;
using PoolOperator.Protocol.Tests.Model;
using Xunit.Abstractions;

namespace PoolOperator.Protocol.Tests;

/// <summary>The checker can fail: a deliberately broken decision is caught, with a seed and schedule that reproduce it.</summary>
public sealed class CheckerTests(ITestOutputHelper output)
{
    /// <summary>
    /// The v1 mistake: free capacity computed without the holds of pods that have no target (Terminating, outside the
    /// workloads, agent not up). The planner sees only the grants of pods with a slot.
    /// </summary>
    private static readonly Decider WithoutHoldsOfTargetlessPods = (snapshot, available, raisesAllowed) =>
    {
        var real = BudgetDecision.Decide(snapshot, available, raisesAllowed);
        var slotted = real.Plan.Targets.Keys.ToHashSet(StringComparer.Ordinal);
        var visible = snapshot.Grants.Where(g => slotted.Contains(Operator.Planning.GrantIdentity.PodUid(g)) || GrantHolds.Held(g) == 0).ToList();
        return BudgetDecision.Decide(snapshot with { Grants = visible }, available, raisesAllowed);
    };

    [Fact]
    public void A_planner_that_forgets_the_holds_of_targetless_pods_is_caught_and_the_seed_reproduces_it()
    {
        const int Steps = 300;
        var found = new System.Collections.Concurrent.ConcurrentDictionary<int, InvariantViolationException>();
        Parallel.For(1, 20_001, (seed, loop) =>
        {
            try
            {
                Simulation.RunRandom(seed, Steps, new WorldScope(), WithoutHoldsOfTargetlessPods);
            }
            catch (InvariantViolationException ex)
            {
                found[seed] = ex;
                loop.Stop();
            }
        });

        Assert.NotEmpty(found);
        var seed = found.Keys.Min();
        var caught = found[seed];
        output.WriteLine(caught.Message);
        Assert.Contains($"seed {seed}", caught.Message, StringComparison.Ordinal);

        // The same seed breaks the same way again; the real decision survives the same seed.
        var again = Assert.Throws<InvariantViolationException>(() => Simulation.RunRandom(seed, Steps, new WorldScope(), WithoutHoldsOfTargetlessPods));
        Assert.Equal(caught.Message, again.Message);
        Simulation.RunRandom(seed, Steps, new WorldScope(), Simulation.Real);
    }
}

using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>
/// The planners over many seeded random starting points, played round by round the way the
/// simulator plays them: every round keeps the safety rules, and every scenario converges to
/// exactly the desired pods of the current template, all ready.
/// </summary>
public sealed class SimulationPlannerScenarioTests
{
    private const int Scenarios = 400;
    private const int MaxRounds = 60;

    [Fact]
    public void Deployments_stay_within_surge_and_availability_and_converge()
    {
        var random = new Random(20261125);
        for (var scenario = 0; scenario < Scenarios; scenario++)
        {
            var desired = random.Next(0, 9);
            var recreate = random.Next(4) == 0;
            var strategy = recreate
                ? new DeploymentStrategy(true, 0, 0)
                : DeploymentPlanner.ResolveStrategy("RollingUpdate", Pick(random, SurgeOrUnavailable), Pick(random, SurgeOrUnavailable), desired);
            var sequence = 0L;
            var pods = Enumerable.Range(0, random.Next(0, 10))
                .Select(_ => new SimulatedPod("p" + ++sequence, "u" + sequence, random.Next(2) == 0 ? "old" : "new", random.Next(3) > 0, random.Next(5) == 0, Sequence: sequence))
                .ToList();
            var context = $"scenario {scenario}: desired {desired}, {strategy}, start [{string.Join(' ', pods.Select(Describe))}]";

            var round = 0;
            for (; round < MaxRounds && !Converged(pods, desired); round++)
            {
                var active = pods.Where(p => !p.Terminating).ToList();
                var plan = DeploymentPlanner.Plan(desired, "new", strategy, pods);

                Assert.True(plan.Create >= 0, context);
                Assert.Equal(plan.Delete.Count, plan.Delete.Distinct().Count());
                Assert.All(plan.Delete, p => Assert.Contains(p, active));
                if (recreate)
                {
                    Assert.True(plan.Create == 0 || pods.All(p => p.Revision == "new"), $"{context}: Recreate created pods while old ones exist (round {round})");
                }
                else if (active.Any(p => p.Revision == "old"))
                {
                    var after = active.Count - plan.Delete.Count + plan.Create;
                    Assert.True(after <= Math.Max(active.Count, desired + strategy.MaxSurge), $"{context}: surge exceeded in round {round}");
                    var readyBefore = active.Count(p => p.Ready);
                    var readyAfter = readyBefore - plan.Delete.Count(p => p.Ready);
                    Assert.True(readyAfter >= Math.Min(readyBefore, desired - strategy.MaxUnavailable), $"{context}: availability dropped in round {round}");
                }

                // One round later: terminating pods are gone, deleted pods are terminating,
                // pods not ready become ready, and the new pods exist (not ready yet).
                pods = pods.Where(p => !p.Terminating)
                    .Select(p => plan.Delete.Contains(p) ? p with { Terminating = true } : p with { Ready = true })
                    .Concat(Enumerable.Range(0, plan.Create).Select(_ => new SimulatedPod("p" + ++sequence, "u" + sequence, "new", false, false, Sequence: sequence)))
                    .ToList();
            }

            Assert.True(Converged(pods, desired), $"{context}: not converged after {round} rounds: [{string.Join(' ', pods.Select(Describe))}]");
        }
    }

    [Fact]
    public void StatefulSets_change_one_ordinal_at_a_time_and_converge()
    {
        var random = new Random(20261126);
        for (var scenario = 0; scenario < Scenarios; scenario++)
        {
            var desired = random.Next(0, 7);
            var parallel = random.Next(2) == 0;
            var pods = Enumerable.Range(0, 8).Where(_ => random.Next(2) == 0)
                .Select(i => new SimulatedPod("s-" + i, "u" + i + "-0", random.Next(2) == 0 ? "old" : "new", random.Next(3) > 0, random.Next(5) == 0, Ordinal: i))
                .ToList();
            var context = $"scenario {scenario}: desired {desired}, parallel {parallel}, start [{string.Join(' ', pods.Select(Describe))}]";

            var round = 0;
            for (; round < MaxRounds && !ConvergedOrdinals(pods, desired); round++)
            {
                var plan = StatefulSetPlanner.Plan(desired, "new", parallel, onDelete: false, pods);

                Assert.All(plan.Create, o => Assert.InRange(o, 0, desired - 1));
                Assert.All(plan.Create, o => Assert.DoesNotContain(pods, p => p.Ordinal == o));
                Assert.All(plan.Delete, p => Assert.False(p.Terminating, context));
                if (!parallel)
                {
                    Assert.True(plan.Create.Count + plan.Delete.Count <= 1, $"{context}: OrderedReady changed more than one pod in round {round}");
                    Assert.All(plan.Create, o => Assert.All(pods.Where(p => p.Ordinal < o), p => Assert.True(p.Ready && !p.Terminating, context)));
                }

                pods = pods.Where(p => !p.Terminating)
                    .Select(p => plan.Delete.Contains(p) ? p with { Terminating = true } : p with { Ready = true })
                    .Concat(plan.Create.Select(o => new SimulatedPod("s-" + o, $"u{o}-{round + 1}", "new", false, false, Ordinal: o)))
                    .ToList();
            }

            Assert.True(ConvergedOrdinals(pods, desired), $"{context}: not converged after {round} rounds: [{string.Join(' ', pods.Select(Describe))}]");
        }
    }

    private static readonly string[] SurgeOrUnavailable = ["0", "1", "2", "25%", "50%"];

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static bool ConvergedOrdinals(List<SimulatedPod> pods, int desired) =>
        Converged(pods, desired) && pods.Select(p => p.Ordinal!.Value).Order().SequenceEqual(Enumerable.Range(0, desired));

    private static bool Converged(List<SimulatedPod> pods, int desired) =>
        pods.Count == desired && pods.All(p => p.Revision == "new" && p.Ready && !p.Terminating);

    private static string Describe(SimulatedPod p) =>
        $"{p.Name}:{p.Revision}{(p.Ready ? "+" : "-")}{(p.Terminating ? "T" : "")}";
}

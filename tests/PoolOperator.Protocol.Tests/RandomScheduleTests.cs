using System.Diagnostics;
using System.Globalization;
using PoolOperator.Protocol.Tests.Model;
using Xunit.Abstractions;

namespace PoolOperator.Protocol.Tests;

/// <summary>
/// Random adversarial schedules (in the spirit of Sieve, OSDI 2022): the real decision code and the real agent rules
/// against a model API, with every fault a real cluster allows. Deterministic by seed; a failure prints the seed and
/// the schedule. POOLOPERATOR_SIM_SCHEDULES runs as many schedules as asked (default 10,000),
/// POOLOPERATOR_SIM_SEED re-runs one seed.
/// </summary>
public sealed class RandomScheduleTests(ITestOutputHelper output)
{
    private const int Steps = 120;

    [Fact]
    public void The_invariant_holds_under_every_random_schedule()
    {
        var only = Environment.GetEnvironmentVariable("POOLOPERATOR_SIM_SEED");
        var count = int.TryParse(Environment.GetEnvironmentVariable("POOLOPERATOR_SIM_SCHEDULES"), CultureInfo.InvariantCulture, out var n) ? n : 10_000;
        var seeds = only is null ? Enumerable.Range(1, count) : [int.Parse(only, CultureInfo.InvariantCulture)];
        var faults = new Dictionary<string, long>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        var runs = 0;
        var gate = new Lock();

        // Each schedule is deterministic by its seed; schedules run in parallel, the counts are summed.
        Parallel.ForEach(seeds, seed =>
        {
            var world = Simulation.RunRandom(seed, Steps, new WorldScope(), Simulation.Real);
            lock (gate)
            {
                runs++;
                foreach (var (kind, used) in world.Used)
                {
                    faults[kind.ToString()] = faults.GetValueOrDefault(kind.ToString()) + used;
                }

                foreach (var (what, used) in world.Counters)
                {
                    faults[what] = faults.GetValueOrDefault(what) + used;
                }
            }
        });

        var report = new System.Text.StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{runs} schedules of {Steps} steps, no violation, in {watch.Elapsed.TotalSeconds:F1} s. Faults injected:");
        foreach (var (kind, used) in faults.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  {kind,-22} {used,8}");
        }

        output.WriteLine(report.ToString());

        // The test runner shows a passing test's output only at detailed verbosity; CI names a file to print instead.
        if (Environment.GetEnvironmentVariable("POOLOPERATOR_SIM_REPORT") is { Length: > 0 } reportPath)
        {
            File.WriteAllText(reportPath, report.ToString());
        }

        Assert.Equal(seeds.Count(), runs);
        foreach (var kind in new[] { "LeaderChange", "LateWrite", "AgentCrash", "CrashBeforeAcknowledge", "GarbageCollect", "RecreatedSameName", "Surge", "BreakConnection", "DiscoveryFailed", "RelabelOut" })
        {
            if (only is null && count >= 1000)
            {
                Assert.True(faults.GetValueOrDefault(kind) > 0, $"no {kind} was injected: the simulation does not exercise it");
            }
        }
    }
}

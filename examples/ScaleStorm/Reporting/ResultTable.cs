using System.Globalization;
using System.Text;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Reporting;

/// <summary>
/// The tables printed at the end of a storm, in Markdown so they can go into docs as is: one row per
/// mode with the median over its runs and the spread (lowest - highest), and one row per run.
/// </summary>
internal static class ResultTable
{
    public static string Render(IReadOnlyList<ModeResult> results)
    {
        var modes = results.GroupBy(r => r.Mode).ToList();
        var bouncer = modes.FirstOrDefault(m => m.Key == "PgBouncer");
        var bouncerRate = bouncer is null ? double.NaN : StormMetrics.Median(bouncer.Select(r => r.QueriesPerSecond));
        var text = new StringBuilder();
        text.AppendLine("| mode | runs | queries/s median (spread) | vs PgBouncer | utilization median (spread) | lowest during a step (worst run) | new pod: agent start -> first connection (median / max) | 53300 errors | other errors | peak server connections / budget | p50 ms | p99 ms | scale -> all acknowledged (median / max) |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var mode in modes)
        {
            var runs = mode.ToList();
            var rate = StormMetrics.Median(runs.Select(r => r.QueriesPerSecond));
            var peak = runs.Max(r => r.PeakConnections);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {mode.Key} | {runs.Count} | {rate:F0} ({runs.Min(r => r.QueriesPerSecond):F0} - {runs.Max(r => r.QueriesPerSecond):F0}) | {Ratio(rate, bouncerRate)} | {Percent(StormMetrics.Median(runs.Select(r => r.Utilization)))} ({Percent(runs.Min(r => r.Utilization))} - {Percent(runs.Max(r => r.Utilization))}) | {Lowest(runs)} | {Waits([.. runs.SelectMany(r => r.FirstConnectionWaits)])} | {runs.Sum(r => r.TooManyClients)} | {runs.Sum(r => r.OtherErrors)} | {peak}{(peak > runs[0].Available ? " (over)" : "")} / {runs[0].Available} | {StormMetrics.Median(runs.Select(r => r.P50Milliseconds)):F1} | {StormMetrics.Median(runs.Select(r => r.P99Milliseconds)):F1} | {Waits([.. runs.SelectMany(r => r.ScaleToAcknowledged)], "steps")} |"));
        }

        return text.ToString();
    }

    /// <summary>One row per run, in the order they ran.</summary>
    public static string RenderRuns(IReadOnlyList<ModeResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| run | mode | queries/s | utilization | lowest during a step | new pod's first connection (median / max) | 53300 | other errors | peak | p50 ms | p99 ms |");
        text.AppendLine("|---:|---|---:|---:|---|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {i + 1} | {r.Mode} | {r.QueriesPerSecond:F0} | {Percent(r.Utilization)} | {Low(r.LowestDuringStep)} | {Waits(r.FirstConnectionWaits)} | {r.TooManyClients} | {r.OtherErrors} | {r.PeakConnections} | {r.P50Milliseconds:F1} | {r.P99Milliseconds:F1} |"));
        }

        return text.ToString();
    }

    private static string Ratio(double rate, double baseline) =>
        double.IsNaN(baseline) || baseline == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{rate / baseline:F2}x");

    private static string Percent(double share) =>
        double.IsNaN(share) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1} %");

    private static string Lowest(List<ModeResult> runs)
    {
        var lows = runs.Select(r => r.LowestDuringStep).OfType<StepLow>().ToList();
        return lows.Count == 0 ? "n/a (no scale step)" : Low(lows.MinBy(l => l.Share));
    }

    private static string Low(StepLow? low) => low is { } l
        ? string.Create(CultureInfo.InvariantCulture, $"{l.Connections:F0} of {l.Usable:F0} ({l.Share * 100:F0} %) at {l.At.TotalSeconds:F1} s")
        : "n/a";

    private static string Waits(IReadOnlyList<TimeSpan> waits, string? unit = null)
    {
        if (waits.Count == 0)
        {
            return "n/a";
        }

        var median = StormMetrics.Median(waits.Select(w => w.TotalMilliseconds));
        var max = waits.Max(w => w.TotalMilliseconds);
        return string.Create(CultureInfo.InvariantCulture, $"{median:F0} ms / {max:F0} ms ({waits.Count}{(unit is null ? "" : " " + unit)})");
    }
}

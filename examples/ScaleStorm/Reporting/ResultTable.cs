using System.Globalization;
using System.Text;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Reporting;

/// <summary>The table printed at the end of a storm, one row per mode, in Markdown so it can go into docs as is.</summary>
internal static class ResultTable
{
    public static string Render(IReadOnlyList<ModeResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| mode | 53300 errors | other errors | peak server connections | budget (available) | queries/s | p50 ms | p99 ms | scale -> all acknowledged (median / max) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.TooManyClients} | {r.OtherErrors} | {r.PeakConnections}{(r.StayedWithinBudget ? "" : " (over)")} | {r.Available} | {r.QueriesPerSecond:F0} | {r.P50Milliseconds:F1} | {r.P99Milliseconds:F1} | {Acknowledgement(r)} |"));
        }

        return text.ToString();
    }

    private static string Acknowledgement(ModeResult result)
    {
        if (result.ScaleToAcknowledged.Count == 0)
        {
            return "n/a";
        }

        var sorted = result.ScaleToAcknowledged.Order().ToList();
        var median = sorted[sorted.Count / 2];
        return string.Create(CultureInfo.InvariantCulture, $"{median.TotalMilliseconds:F0} ms / {sorted[^1].TotalMilliseconds:F0} ms ({sorted.Count} steps)");
    }
}

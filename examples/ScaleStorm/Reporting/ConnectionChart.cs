using System.Globalization;
using System.Security;
using System.Text;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Reporting;

/// <summary>
/// An SVG line chart of server connections over time, one line per mode (its run nearest the
/// mode's median throughput), with the budget line, the server's max_connections and a mark at each
/// scale step, written by hand so the demo needs no charting package.
/// </summary>
internal static class ConnectionChart
{
    private const int Width = 900;
    private const int Height = 420;
    private const int Left = 60;
    private const int Right = 160;
    private const int Top = 30;
    private const int Bottom = 50;
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];

    public static string Render(IReadOnlyList<ModeResult> allRuns, int maxConnections, string title)
    {
        var results = Representatives(allRuns);
        var seconds = Math.Max(1, results.SelectMany(r => r.Timeline).Select(p => p.At.TotalSeconds).DefaultIfEmpty(1).Max());
        var ceiling = Math.Max(maxConnections, results.SelectMany(r => r.Timeline).Select(p => p.Connections).DefaultIfEmpty(0).Max()) * 1.1;
        double X(double s) => Left + (s / seconds * (Width - Left - Right));
        double Y(double c) => Top + ((1 - (c / ceiling)) * (Height - Top - Bottom));
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" font-size=\"14\">{SecurityElement.Escape(title)}</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>");
        for (var tick = 0; tick <= 5; tick++)
        {
            var c = ceiling * tick / 5;
            var s = seconds * tick / 5;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{F(Y(c) + 4)}\" text-anchor=\"end\">{c:F0}</text>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{F(X(s))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{s:F0}s</text>");
        }

        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">time since the storm started</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(Top + Height - Bottom) / 2}\" transform=\"rotate(-90 14 {(Top + Height - Bottom) / 2})\" text-anchor=\"middle\">server client connections</text>");
        HorizontalLine(svg, Y(maxConnections), "max_connections " + maxConnections.ToString(CultureInfo.InvariantCulture), "#555", "2,2");
        if (results.Count > 0)
        {
            HorizontalLine(svg, Y(results[0].Available), "budget " + results[0].Available.ToString(CultureInfo.InvariantCulture), "black", "6,3");
        }

        var steps = results.Count > 0 ? results[0].Steps.Skip(1).ToList() : [];
        foreach (var step in steps)
        {
            var x = F(X(step.At.TotalSeconds));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{Top}\" x2=\"{x}\" y2=\"{Height - Bottom}\" stroke=\"#999\" stroke-dasharray=\"4,4\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{Top + 12}\" text-anchor=\"middle\" fill=\"#555\">-&gt; {step.Replicas}</text>");
        }

        for (var i = 0; i < results.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var points = string.Join(' ', results[i].Timeline.Select(p => F(X(p.At.TotalSeconds)) + "," + F(Y(p.Connections))));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{points}\"/>");
            var legendY = Top + 20 + (i * 18);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Width - Right + 10}\" y1=\"{legendY}\" x2=\"{Width - Right + 30}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"3\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 35}\" y=\"{legendY + 4}\">{SecurityElement.Escape(results[i].Mode)}</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();

        static List<ModeResult> Representatives(IReadOnlyList<ModeResult> runs) =>
        [
            .. runs.GroupBy(r => r.Mode).Select(mode =>
            {
                var median = StormMetrics.Median(mode.Select(r => r.QueriesPerSecond));
                return mode.MinBy(r => Math.Abs(r.QueriesPerSecond - median))!;
            }),
        ];

        void HorizontalLine(StringBuilder s, double y, string label, string color, string dash)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Width - Right}\" y2=\"{F(y)}\" stroke=\"{color}\" stroke-dasharray=\"{dash}\"/>");
            s.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 4}\" y=\"{F(y + 4)}\" fill=\"{color}\">{SecurityElement.Escape(label)}</text>");
        }
    }
}

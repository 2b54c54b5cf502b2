using System.Globalization;

namespace PoolOperator.Operator.Tests.Hosting;

/// <summary>Reads samples out of a Prometheus text exposition, whatever the order of their labels.</summary>
internal static class PrometheusText
{
    /// <summary>The value of the first sample of <paramref name="name"/> that carries every label given, or null.</summary>
    public static double? Value(string text, string name, params (string Label, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            var labelText = "";
            if (rest.StartsWith('{'))
            {
                var end = rest.IndexOf('}', StringComparison.Ordinal);
                labelText = rest[1..end];
                rest = rest[(end + 1)..];
            }

            if (!rest.StartsWith(' '))
            {
                continue; // a longer name with the same prefix
            }

            var present = labelText.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            if (labels.All(l => present.Contains($"{l.Label}=\"{l.Value}\"")))
            {
                return double.Parse(rest.Trim(), CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}

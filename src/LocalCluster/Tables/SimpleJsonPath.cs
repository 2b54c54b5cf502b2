using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PoolOperator.LocalCluster.Tables;

/// <summary>
/// The JSONPath subset printer columns use: <c>.a.b</c>, <c>[n]</c>, <c>[*]</c> and filters
/// <c>[?(@.type=="Ready")]</c>; with or without surrounding braces.
/// </summary>
internal static partial class SimpleJsonPath
{
    public static List<JsonNode?> Evaluate(JsonNode? root, string path)
    {
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        text = text.TrimStart('$');
        var current = new List<JsonNode?> { root };
        foreach (Match step in Step().Matches(text))
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                if (step.Groups["field"].Success)
                {
                    if (node is JsonObject obj && obj.TryGetPropertyValue(step.Groups["field"].Value, out var child))
                    {
                        next.Add(child);
                    }
                }
                else if (step.Groups["index"].Success && node is JsonArray indexed)
                {
                    var i = int.Parse(step.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (i < 0)
                    {
                        i += indexed.Count;
                    }

                    if (i >= 0 && i < indexed.Count)
                    {
                        next.Add(indexed[i]);
                    }
                }
                else if (step.Groups["all"].Success && node is JsonArray all)
                {
                    next.AddRange(all);
                }
                else if (step.Groups["filterKey"].Success && node is JsonArray filtered)
                {
                    var key = step.Groups["filterKey"].Value;
                    var value = step.Groups["filterValue"].Value;
                    next.AddRange(filtered.Where(item => Json.JsonNodes.ScalarText(item?[key]) == value));
                }
            }

            current = next;
        }

        return current;
    }

    [GeneratedRegex("""\.(?<field>[A-Za-z0-9_\-]+)|\[(?<index>-?\d+)\]|\[(?<all>\*)\]|\[\?\(@\.(?<filterKey>[A-Za-z0-9_\-]+)\s*==\s*["'](?<filterValue>[^"']*)["']\)\]""")]
    private static partial Regex Step();
}

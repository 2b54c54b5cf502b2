using PoolOperator.LocalCluster.Http;

namespace PoolOperator.LocalCluster.Selectors;

/// <summary>
/// A parsed <c>labelSelector</c> query: comma-separated requirements of the forms
/// <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c> and <c>!k</c>.
/// </summary>
internal sealed class LabelSelector
{
    private readonly IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> _requirements;

    private LabelSelector(IReadOnlyList<Func<IReadOnlyDictionary<string, string>, bool>> requirements) => _requirements = requirements;

    /// <summary>A selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>True when the selector has no requirement (it matches every object).</summary>
    public bool IsEverything => _requirements.Count == 0;

    /// <summary>Whether the labels satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r(labels));

    /// <summary>Parses the query value; a malformed selector is a 400 naming the selector.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        foreach (var raw in SplitTopLevel(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw Malformed(text);
            }

            requirements.Add(ParseRequirement(part, text));
        }

        return new LabelSelector(requirements);
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part, string whole)
    {
        var setMatch = System.Text.RegularExpressions.Regex.Match(part, @"^(\S+)\s+(in|notin)\s*\((.*)\)$");
        if (setMatch.Success)
        {
            var key = setMatch.Groups[1].Value;
            var values = setMatch.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
            return setMatch.Groups[2].Value == "in"
                ? labels => labels.TryGetValue(key, out var v) && values.Contains(v)
                : labels => !labels.TryGetValue(key, out var v) || !values.Contains(v);
        }

        var notEqual = part.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            var key = part[..notEqual].Trim();
            var value = part[(notEqual + 2)..].Trim();
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        var equal = part.IndexOf('=', StringComparison.Ordinal);
        if (equal > 0)
        {
            var key = part[..equal].Trim();
            var value = part[(equal + 1)..].TrimStart('=').Trim();
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        if (part.Any(char.IsWhiteSpace) || part.IndexOfAny(['(', ')', '<', '>']) >= 0)
        {
            throw Malformed(whole);
        }

        return labels => labels.ContainsKey(part);
    }

    /// <summary>Splits on commas outside parentheses.</summary>
    internal static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static ApiException Malformed(string text) =>
        ApiException.BadRequest($"unable to parse requirement: labelSelector \"{text}\" is not a valid label selector");
}

using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Selectors;

/// <summary>
/// A parsed <c>fieldSelector</c>: comma-separated <c>path=value</c>, <c>path==value</c> or <c>path!=value</c>,
/// where path is a dotted field path (<c>metadata.name</c>, <c>metadata.namespace</c>, <c>status.phase</c>, <c>spec.nodeName</c>).
/// A missing field compares as the empty string, as the real server does.
/// </summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string[] Path, string Value, bool Equal)> _terms;

    private FieldSelector(IReadOnlyList<(string[] Path, string Value, bool Equal)> terms) => _terms = terms;

    /// <summary>A selector that matches everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>True when the selector has no term (it matches every object).</summary>
    public bool IsEverything => _terms.Count == 0;

    /// <summary>Whether the object satisfies every term.</summary>
    public bool Matches(JsonObject obj) =>
        _terms.All(t => (JsonNodes.ScalarText(obj.At(t.Path)) ?? "") == t.Value == t.Equal);

    /// <summary>Parses the query value; a malformed selector is a 400.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string[], string, bool)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var notEqual = part.IndexOf("!=", StringComparison.Ordinal);
            var equal = part.IndexOf('=', StringComparison.Ordinal);
            if (notEqual > 0)
            {
                terms.Add((part[..notEqual].Trim().Split('.'), part[(notEqual + 2)..].Trim(), false));
            }
            else if (equal > 0)
            {
                terms.Add((part[..equal].Trim().Split('.'), part[(equal + 1)..].TrimStart('=').Trim(), true));
            }
            else
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }
        }

        return new FieldSelector(terms);
    }
}

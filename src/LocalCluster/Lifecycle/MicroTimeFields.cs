using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// <c>metav1.MicroTime</c> fields, which the real server decodes with Go's <c>time.Parse(RFC3339Micro)</c>: exactly
/// six fractional digits, or the body cannot be decoded (400, as the real server answers a decoding error). Checked
/// for Leases (<c>spec.acquireTime</c>, <c>spec.renewTime</c>) and Events of both groups (<c>eventTime</c>,
/// <c>series.lastObservedTime</c>). An events.k8s.io Event's <c>note</c> is at most 1 KiB (422).
/// </summary>
internal static partial class MicroTimeFields
{
    public const int NoteLengthLimit = 1024;
    private const string Layout = "2006-01-02T15:04:05.000000Z07:00";

    public static void Check(ResourceType type, JsonObject obj)
    {
        string[][] fields = (type.Group, type.Plural) switch
        {
            ("coordination.k8s.io", "leases") => [["spec", "acquireTime"], ["spec", "renewTime"]],
            ("events.k8s.io" or "", "events") => [["eventTime"], ["series", "lastObservedTime"]],
            _ => [],
        };
        foreach (var path in fields)
        {
            if (obj.At(path) is JsonValue value && JsonNodes.ScalarText(value) is { } text && !RfcMicro().IsMatch(text))
            {
                throw ApiException.BadRequest(
                    $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: parsing time \"{text}\" as \"{Layout}\": cannot parse \"{Rest(text)}\" as \"{Expected(text)}\"");
            }
        }

        if (type.Group == "events.k8s.io" && obj.GetString("note") is { } note && System.Text.Encoding.UTF8.GetByteCount(note) > NoteLengthLimit)
        {
            throw ApiException.Invalid(type.Group, type.Kind, obj.Name(), [FieldError.TooLong("note", NoteLengthLimit)]);
        }
    }

    // What Go's parser reports: the text from the first character that does not fit the layout.
    private static string Rest(string text) => text.Length > 19 ? text[19..] : text;

    private static string Expected(string text)
    {
        var rest = Rest(text);
        return rest.StartsWith('.') && rest.Length > 7 && char.IsDigit(rest[7]) ? "Z07:00" : ".000000";
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex RfcMicro();
}

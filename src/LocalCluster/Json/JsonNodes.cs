using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PoolOperator.LocalCluster.Json;

/// <summary>Small helpers over <see cref="JsonNode"/> trees, the local cluster's storage format.</summary>
internal static class JsonNodes
{
    /// <summary>Options for every response: compact, no escaping of HTML characters (kubectl prints them).</summary>
    public static readonly JsonSerializerOptions Wire = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The object's <c>metadata</c>, created when missing.</summary>
    public static JsonObject Metadata(this JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    /// <summary>A string property of an object, or null when absent or not a string.</summary>
    public static string? GetString(this JsonObject? obj, string property) =>
        obj?[property] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Follows a dotted path of object properties; null when any step is missing.</summary>
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var step in path)
        {
            if (node is not JsonObject obj)
            {
                return null;
            }

            node = obj[step];
        }

        return node;
    }

    /// <summary>The object's name.</summary>
    public static string Name(this JsonObject obj) => obj.Metadata().GetString("name") ?? "";

    /// <summary>The object's namespace, or null for cluster-scoped objects.</summary>
    public static string? Namespace(this JsonObject obj) => obj.Metadata().GetString("namespace");

    /// <summary>The object's uid.</summary>
    public static string? Uid(this JsonObject obj) => obj.Metadata().GetString("uid");

    /// <summary>The object's resourceVersion.</summary>
    public static string? ResourceVersion(this JsonObject obj) => obj.Metadata().GetString("resourceVersion");

    /// <summary>Labels as a dictionary (empty when none).</summary>
    public static Dictionary<string, string> Labels(this JsonObject obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj.Metadata()["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                result[key] = ScalarText(value) ?? "";
            }
        }

        return result;
    }

    /// <summary>Finalizers of the object (empty when none).</summary>
    public static List<string> Finalizers(this JsonObject obj) =>
        obj.Metadata()["finalizers"] is JsonArray array
            ? array.Select(ScalarText).Where(f => f is not null).Select(f => f!).ToList()
            : [];

    /// <summary>The text form of a scalar (strings unquoted, numbers and booleans as JSON); null for objects, arrays and null.</summary>
    public static string? ScalarText(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>
    /// An integral number, whatever backs the node (parsed JSON or a CLR int), or null.
    /// <c>JsonValue.TryGetValue&lt;long&gt;</c> alone fails on nodes created from an <c>int</c>.
    /// </summary>
    public static long? Int64(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Whether the node is the JSON literal true.</summary>
    public static bool IsTrue(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    /// <summary>Re-parses a tree so every value is backed the same way (as parsed JSON), as stored objects are.</summary>
    public static JsonObject Normalize(JsonObject obj) => JsonNode.Parse(ToUtf8(obj))!.AsObject();

    /// <summary>A timestamp in the format Kubernetes writes (RFC 3339, seconds, UTC).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses a Kubernetes timestamp; null when absent or malformed.</summary>
    public static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>Deep clone typed as an object.</summary>
    public static JsonObject CloneObject(this JsonObject obj) => (JsonObject)obj.DeepClone();

    /// <summary>Serializes a node to UTF-8 bytes.</summary>
    public static byte[] ToUtf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Wire);
}

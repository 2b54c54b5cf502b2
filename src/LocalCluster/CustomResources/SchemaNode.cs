using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.CustomResources;

/// <summary>
/// One node of a CRD's structural <c>openAPIV3Schema</c>: the subset of OpenAPI v3 that Kubernetes
/// allows, plus its <c>x-kubernetes-*</c> extensions.
/// </summary>
internal sealed class SchemaNode
{
    public string? Type { get; private init; }

    public Dictionary<string, SchemaNode> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>Schema of map values (<c>additionalProperties</c> as a schema).</summary>
    public SchemaNode? AdditionalProperties { get; private set; }

    /// <summary><c>additionalProperties: true</c>.</summary>
    public bool AnyAdditionalProperties { get; private set; }

    public SchemaNode? Items { get; private set; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    public JsonNode? Default { get; private init; }

    public bool Nullable { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool IntOrString { get; private init; }

    public bool EmbeddedResource { get; private init; }

    public IReadOnlyList<JsonNode?> Enum { get; private init; } = [];

    public double? Minimum { get; private init; }

    public double? Maximum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MinProperties { get; private init; }

    public long? MaxProperties { get; private init; }

    public string? Pattern { get; private init; }

    public string? Format { get; private init; }

    /// <summary><c>x-kubernetes-list-type</c>: atomic, set or map.</summary>
    public string? ListType { get; private init; }

    /// <summary><c>x-kubernetes-list-map-keys</c>.</summary>
    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    /// <summary><c>x-kubernetes-validations</c>.</summary>
    public IReadOnlyList<CelRule> Rules { get; private init; } = [];

    /// <summary>Whether the node says anything about the shape of its value.</summary>
    public bool KnowsFields => Properties.Count > 0 || AdditionalProperties is not null || AnyAdditionalProperties;

    /// <summary>Parses a schema object (throws <see cref="FormatException"/> naming the bad keyword).</summary>
    public static SchemaNode Parse(JsonObject schema, string path = "openAPIV3Schema")
    {
        var node = new SchemaNode
        {
            Type = schema.GetString("type"),
            Required = (schema["required"] as JsonArray)?.Select(JsonNodes.ScalarText).OfType<string>().ToList() ?? [],
            Default = schema["default"]?.DeepClone(),
            Nullable = Flag(schema, "nullable"),
            PreserveUnknownFields = Flag(schema, "x-kubernetes-preserve-unknown-fields"),
            IntOrString = Flag(schema, "x-kubernetes-int-or-string"),
            EmbeddedResource = Flag(schema, "x-kubernetes-embedded-resource"),
            Enum = (schema["enum"] as JsonArray)?.Select(e => e?.DeepClone()).ToList() ?? [],
            Minimum = Number(schema, "minimum"),
            Maximum = Number(schema, "maximum"),
            ExclusiveMinimum = Flag(schema, "exclusiveMinimum"),
            ExclusiveMaximum = Flag(schema, "exclusiveMaximum"),
            MinLength = Integer(schema, "minLength"),
            MaxLength = Integer(schema, "maxLength"),
            MinItems = Integer(schema, "minItems"),
            MaxItems = Integer(schema, "maxItems"),
            MinProperties = Integer(schema, "minProperties"),
            MaxProperties = Integer(schema, "maxProperties"),
            Pattern = schema.GetString("pattern"),
            Format = schema.GetString("format"),
            ListType = schema.GetString("x-kubernetes-list-type"),
            ListMapKeys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(JsonNodes.ScalarText).OfType<string>().ToList() ?? [],
            Rules = CelRule.ParseAll(schema["x-kubernetes-validations"] as JsonArray, path),
        };

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject childSchema)
                {
                    node.Properties[name] = Parse(childSchema, path + ".properties." + name);
                }
            }
        }

        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                node.AdditionalProperties = Parse(additional, path + ".additionalProperties");
                break;
            case JsonValue v when v.TryGetValue<bool>(out var allowed):
                node.AnyAdditionalProperties = allowed;
                break;
        }

        if (schema["items"] is JsonObject items)
        {
            node.Items = Parse(items, path + ".items");
        }

        return node;
    }

    private static bool Flag(JsonObject schema, string name) =>
        schema[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Number(JsonObject schema, string name) =>
        schema[name] is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static long? Integer(JsonObject schema, string name) =>
        JsonNodes.Int64(schema[name]);
}

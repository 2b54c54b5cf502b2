using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;
using Json.Schema;

namespace PoolOperator.Api.Tests;

/// <summary>
/// Checks an object against a CRD's openAPIV3Schema the way the API server does for what a user
/// applies: the structural schema (types, enums, minimums, required) and the CEL rules in
/// <c>x-kubernetes-validations</c>, each rule evaluated with <c>self</c> bound to its node.
/// </summary>
internal sealed class CrdValidator
{
    private readonly JsonObject openApiSchema;
    private readonly JsonSchema jsonSchema;
    private readonly CelEnvironment cel = new(null, null);

    public CrdValidator(JsonObject openApiSchema)
    {
        this.openApiSchema = openApiSchema;
        // JSON Schema knows no Kubernetes extension keywords; they are checked separately below.
        jsonSchema = JsonSchema.FromText(WithoutExtensions(openApiSchema).ToJsonString());
    }

    public IReadOnlyList<string> Validate(JsonNode instance)
    {
        var errors = new List<string>();
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var result = jsonSchema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!result.IsValid)
        {
            errors.AddRange((result.Details ?? [])
                .Where(d => d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        }

        if (errors.Count == 0)
        {
            CheckRules(openApiSchema, instance, "", errors);
        }

        return errors;
    }

    private void CheckRules(JsonObject schema, JsonNode? node, string path, List<string> errors)
    {
        if (node is null)
        {
            return;
        }

        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            var self = ToCel(node);
            foreach (var rule in rules)
            {
                var expression = (string)rule!["rule"]!;
                var passed = cel.Program(expression, new Dictionary<string, object?> { ["self"] = self });
                if (passed is not true)
                {
                    errors.Add($"{(path.Length == 0 ? "<root>" : path)}: {(string?)rule["message"] ?? expression}");
                }
            }
        }

        if (node is JsonObject obj && schema["properties"] is JsonObject properties)
        {
            foreach (var (name, propertySchema) in properties)
            {
                CheckRules(propertySchema!.AsObject(), obj[name], path + "." + name, errors);
            }
        }
        else if (node is JsonArray array && schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                CheckRules(items, array[i], $"{path}[{i}]", errors);
            }
        }
    }

    /// <summary>CEL in this library binds maps as dictionaries and integers as long.</summary>
    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToCel(p.Value)),
        JsonArray array => array.Select(ToCel).ToList(),
        JsonValue value when value.TryGetValue<long>(out var l) => l,
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<double>(out var d) => d,
        JsonValue value => value.ToString(),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode WithoutExtensions(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .Where(p => !p.Key.StartsWith("x-kubernetes-", StringComparison.Ordinal) && p.Key != "format")
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : (JsonNode?)WithoutExtensions(p.Value)))),
        JsonArray array => new JsonArray(array.Select(i => i is null ? null : WithoutExtensions(i)).ToArray()),
        _ => node.DeepClone(),
    };
}

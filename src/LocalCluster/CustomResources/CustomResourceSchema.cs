using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Lifecycle;

namespace PoolOperator.LocalCluster.CustomResources;

/// <summary>
/// A CRD version's structural schema applied to a custom resource the way the real server applies it:
/// unknown fields pruned (or rejected under <c>fieldValidation=Strict</c>), nulls dropped where not nullable,
/// defaults filled in, then every value checked and every <c>x-kubernetes-validations</c> rule evaluated.
/// </summary>
internal sealed class CustomResourceSchema
{
    private static readonly HashSet<string> RootFields = ["apiVersion", "kind", "metadata"];

    public CustomResourceSchema(SchemaNode root) => Root = root;

    /// <summary>The parsed <c>openAPIV3Schema</c>.</summary>
    public SchemaNode Root { get; }

    /// <summary>Prunes, defaults and validates <paramref name="obj"/> in place; throws 400 (strict unknown fields) or 422.</summary>
    public void Admit(JsonObject obj, JsonObject? old, WriteContext context, string group, string kind)
    {
        var unknown = new List<string>();
        PruneObject(obj, Root, "", unknown, isRoot: true);
        if (unknown.Count > 0)
        {
            if (context.Strict)
            {
                throw ApiException.BadRequest(
                    $"{kind} in version \"{obj.GetString("apiVersion")?.Split('/').Last()}\" cannot be handled as a {kind}: strict decoding error: "
                    + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
            }

            if (!string.Equals(context.FieldValidation, "Ignore", StringComparison.OrdinalIgnoreCase))
            {
                context.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
            }
        }

        ApplyDefaults(obj, Root);
        var errors = new List<FieldError>();
        foreach (var (name, child) in obj.ToList())
        {
            if (!RootFields.Contains(name) && Root.Properties.TryGetValue(name, out var childSchema))
            {
                Check(child, childSchema, name, errors, old?[name]);
            }
        }

        foreach (var required in Root.Required.Where(r => !RootFields.Contains(r) && obj[r] is null))
        {
            errors.Add(FieldError.Required(required));
        }

        if (errors.Count == 0)
        {
            EvaluateRules(obj, Root, "", errors, old, metadataOnly: true);
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid(group, kind, obj.Name(), errors);
        }
    }

    private static void PruneObject(JsonObject obj, SchemaNode schema, string path, List<string> unknown, bool isRoot = false)
    {
        foreach (var (name, child) in obj.ToList())
        {
            var childPath = Join(path, name);
            if (isRoot && RootFields.Contains(name))
            {
                continue;
            }

            if (child is null && schema.Properties.TryGetValue(name, out var nullSchema) && !nullSchema.Nullable)
            {
                obj.Remove(name);
                continue;
            }

            if (schema.Properties.TryGetValue(name, out var childSchema))
            {
                Prune(child, childSchema, childPath, unknown);
            }
            else if (schema.AdditionalProperties is not null)
            {
                Prune(child, schema.AdditionalProperties, childPath, unknown);
            }
            else if (!schema.AnyAdditionalProperties && !schema.PreserveUnknownFields)
            {
                unknown.Add(childPath);
                obj.Remove(name);
            }
        }
    }

    private static void Prune(JsonNode? value, SchemaNode schema, string path, List<string> unknown)
    {
        switch (value)
        {
            case JsonObject obj when schema.EmbeddedResource && !schema.KnowsFields:
                return;
            case JsonObject obj when schema.KnowsFields || !schema.PreserveUnknownFields:
                if (schema.Type == "object" || schema.KnowsFields)
                {
                    PruneObject(obj, schema, path, unknown);
                }

                break;
            case JsonArray array when schema.Items is not null:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], schema.Items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }

    private static void ApplyDefaults(JsonNode? value, SchemaNode schema)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, property) in schema.Properties)
                {
                    if (obj[name] is null && property.Default is not null)
                    {
                        obj[name] = property.Default.DeepClone();
                    }
                }

                foreach (var (name, child) in obj.ToList())
                {
                    var childSchema = schema.Properties.GetValueOrDefault(name) ?? schema.AdditionalProperties;
                    if (childSchema is not null)
                    {
                        ApplyDefaults(child, childSchema);
                    }
                }

                break;
            case JsonArray array when schema.Items is not null:
                foreach (var item in array)
                {
                    ApplyDefaults(item, schema.Items);
                }

                break;
        }
    }

    private static void Check(JsonNode? value, SchemaNode schema, string path, List<FieldError> errors, JsonNode? old)
    {
        var before = errors.Count;
        if (value is null)
        {
            if (!schema.Nullable && schema.Type is not null)
            {
                errors.Add(FieldError.TypeInvalid(path, null, schema.Type));
            }

            return;
        }

        if (!CheckType(value, schema, path, errors))
        {
            return;
        }

        if (schema.Enum.Count > 0 && !schema.Enum.Any(e => JsonNode.DeepEquals(e, value)))
        {
            errors.Add(FieldError.NotSupported(path, value, schema.Enum.Select(e => e?.ToJsonString() ?? "null")));
        }

        switch (value)
        {
            case JsonObject obj:
                CheckObject(obj, schema, path, errors, old as JsonObject);
                break;
            case JsonArray array:
                CheckArray(array, schema, path, errors, old as JsonArray);
                break;
            case JsonValue scalar:
                CheckScalar(scalar, schema, path, errors);
                break;
        }

        if (errors.Count == before)
        {
            EvaluateRules(value, schema, path, errors, old, metadataOnly: false);
        }
    }

    private static bool CheckType(JsonNode value, SchemaNode schema, string path, List<FieldError> errors)
    {
        var kind = value.GetValueKind();
        if (schema.IntOrString)
        {
            if (kind == JsonValueKind.String || JsonNodes.Int64(value) is not null)
            {
                return true;
            }

            errors.Add(FieldError.TypeInvalid(path, value, "integer,string"));
            return false;
        }

        var ok = schema.Type switch
        {
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "integer" => JsonNodes.Int64(value) is not null,
            "number" => kind == JsonValueKind.Number,
            _ => true,
        };
        if (!ok)
        {
            errors.Add(FieldError.TypeInvalid(path, value, schema.Type!));
        }

        return ok;
    }

    private static void CheckObject(JsonObject obj, SchemaNode schema, string path, List<FieldError> errors, JsonObject? old)
    {
        foreach (var required in schema.Required.Where(r => obj[r] is null))
        {
            errors.Add(FieldError.Required(Join(path, required)));
        }

        if (schema.MinProperties is { } minProperties && obj.Count < minProperties)
        {
            errors.Add(FieldError.Invalid(path, obj.Count, $"{path} in body should have at least {minProperties} properties"));
        }

        if (schema.MaxProperties is { } maxProperties && obj.Count > maxProperties)
        {
            errors.Add(FieldError.Invalid(path, obj.Count, $"{path} in body should have at most {maxProperties} properties"));
        }

        foreach (var (name, child) in obj)
        {
            if (schema.Properties.TryGetValue(name, out var childSchema))
            {
                Check(child, childSchema, Join(path, name), errors, old?[name]);
            }
            else if (schema.AdditionalProperties is not null)
            {
                Check(child, schema.AdditionalProperties, $"{path}[{name}]", errors, old?[name]);
            }
        }
    }

    private static void CheckArray(JsonArray array, SchemaNode schema, string path, List<FieldError> errors, JsonArray? old)
    {
        if (schema.MinItems is { } minItems && array.Count < minItems)
        {
            errors.Add(FieldError.Invalid(path, array.Count, $"{path} in body should have at least {minItems} items"));
        }

        if (schema.MaxItems is { } maxItems && array.Count > maxItems)
        {
            errors.Add(new FieldError(path, "FieldValueTooMany", $"Too many: {array.Count}: must have at most {maxItems} items"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var key = schema.ListType switch
            {
                "set" => array[i]?.ToJsonString(),
                "map" => string.Join("\u0000", schema.ListMapKeys.Select(k => array[i]?[k]?.ToJsonString() ?? "")),
                _ => null,
            };
            if (key is not null && !seen.Add(key))
            {
                errors.Add(new FieldError($"{path}[{i}]", "FieldValueDuplicate", $"Duplicate value: {array[i]?.ToJsonString()}"));
            }

            if (schema.Items is not null)
            {
                Check(array[i], schema.Items, $"{path}[{i}]", errors, OldItem(array[i], schema, old, i));
            }
        }
    }

    /// <summary>The old counterpart of a list item: by map keys for map lists (so transition rules work), otherwise none.</summary>
    private static JsonNode? OldItem(JsonNode? item, SchemaNode schema, JsonArray? old, int index)
    {
        if (old is null || schema.ListType != "map" || schema.ListMapKeys.Count == 0)
        {
            return null;
        }

        _ = index;
        return old.FirstOrDefault(o => schema.ListMapKeys.All(k => JsonNode.DeepEquals(o?[k], item?[k])));
    }

    private static void CheckScalar(JsonValue value, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (value.GetValueKind() == JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            if (schema.Minimum is { } min && (number < min || (schema.ExclusiveMinimum && number <= min)))
            {
                var relation = schema.ExclusiveMinimum ? "greater than" : "greater than or equal to";
                errors.Add(FieldError.Invalid(path, value, $"{path} in body should be {relation} {Format(min)}"));
            }

            if (schema.Maximum is { } max && (number > max || (schema.ExclusiveMaximum && number >= max)))
            {
                var relation = schema.ExclusiveMaximum ? "less than" : "less than or equal to";
                errors.Add(FieldError.Invalid(path, value, $"{path} in body should be {relation} {Format(max)}"));
            }
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            var length = new StringInfo(text).LengthInTextElements;
            if (schema.MinLength is { } minLength && length < minLength)
            {
                errors.Add(FieldError.Invalid(path, value, $"{path} in body should be at least {minLength} chars long"));
            }

            if (schema.MaxLength is { } maxLength && length > maxLength)
            {
                errors.Add(new FieldError(path, "FieldValueTooLong", $"Too long: may not be more than {maxLength} bytes"));
            }

            if (schema.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add(FieldError.Invalid(path, value, $"{path} in body should match '{pattern}'"));
            }

            if (schema.Format == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                errors.Add(FieldError.Invalid(path, value, $"{path} in body must be of type date-time: \"{text}\""));
            }
        }
    }

    private static void EvaluateRules(JsonNode value, SchemaNode schema, string path, List<FieldError> errors, JsonNode? old, bool metadataOnly)
    {
        if (schema.Rules.Count == 0)
        {
            return;
        }

        var self = value;
        var oldSelf = old;
        if (metadataOnly)
        {
            // At the root, CEL sees metadata.name and generateName only, as on the real server.
            self = RootView((JsonObject)value);
            oldSelf = old is JsonObject oldObj ? RootView(oldObj) : null;
        }

        foreach (var rule in schema.Rules)
        {
            if (rule.IsTransition && oldSelf is null)
            {
                continue;
            }

            if (rule.Evaluate(self, schema, oldSelf) is { } message)
            {
                var field = rule.FieldPath is { Length: > 0 } relative ? Join(path, relative.TrimStart('.')) : path;
                errors.Add(rule.Reason switch
                {
                    "FieldValueRequired" => new FieldError(field, rule.Reason, "Required value: " + message),
                    "FieldValueForbidden" => new FieldError(field, rule.Reason, "Forbidden: " + message),
                    "FieldValueDuplicate" => new FieldError(field, rule.Reason, "Duplicate value: " + message),
                    _ => FieldError.Invalid(field.Length == 0 ? "<root>" : field, value, message),
                });
            }
        }
    }

    private static JsonObject RootView(JsonObject obj)
    {
        var view = obj.CloneObject();
        var meta = new JsonObject();
        foreach (var name in new[] { "name", "generateName" })
        {
            if (obj.Metadata()[name] is { } v)
            {
                meta[name] = v.DeepClone();
            }
        }

        view["metadata"] = meta;
        return view;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Format(double d) => d.ToString(CultureInfo.InvariantCulture);
}

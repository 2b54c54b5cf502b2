using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.CustomResources;

/// <summary>
/// Turns CustomResourceDefinitions into served resources: validates and defaults a posted CRD,
/// registers one resource per served version (schema, subresources, printer columns), reports it
/// Established in its status, and removes the resource and all its objects when the CRD goes.
/// </summary>
internal sealed class CrdController
{
    private const string StorageKey = "apiextensions.k8s.io/customresourcedefinitions";
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly TimeProvider _time;

    public CrdController(ObjectStore store, ResourceRegistry registry, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _time = time;
    }

    /// <summary>Whether the type is the CRD resource itself.</summary>
    public static bool IsCrd(ResourceType type) => type.StorageKey == StorageKey;

    /// <summary>Defaults and validates a CRD in place (422 naming the field when it is not usable).</summary>
    public static void Admit(JsonObject crd)
    {
        var errors = new List<FieldError>();
        var spec = crd["spec"] as JsonObject;
        var group = spec.GetString("group");
        var names = spec?["names"] as JsonObject;
        var plural = names.GetString("plural");
        var kind = names.GetString("kind");
        if (string.IsNullOrEmpty(group))
        {
            errors.Add(FieldError.Required("spec.group"));
        }

        if (string.IsNullOrEmpty(plural))
        {
            errors.Add(FieldError.Required("spec.names.plural"));
        }

        if (string.IsNullOrEmpty(kind))
        {
            errors.Add(FieldError.Required("spec.names.kind"));
        }

        var scope = spec.GetString("scope");
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(FieldError.NotSupported("spec.scope", scope, ["\"Cluster\"", "\"Namespaced\""]));
        }

        if (errors.Count == 0 && crd.Name() != plural + "." + group)
        {
            errors.Add(FieldError.Invalid("metadata.name", crd.Name(), "must be spec.names.plural+\".\"+spec.group"));
        }

        var versions = spec?["versions"] as JsonArray;
        if (versions is null || versions.Count == 0)
        {
            errors.Add(FieldError.Required("spec.versions"));
        }
        else
        {
            if (versions.Count(v => JsonNodes.IsTrue(v?["storage"])) != 1)
            {
                errors.Add(FieldError.Invalid("spec.versions", versions.Count, "must have exactly one version marked as storage version"));
            }

            for (var i = 0; i < versions.Count; i++)
            {
                if (versions[i]?.At("schema", "openAPIV3Schema") is JsonObject schema)
                {
                    try
                    {
                        SchemaNode.Parse(schema, $"spec.versions[{i}].schema.openAPIV3Schema");
                    }
                    catch (FormatException ex)
                    {
                        errors.Add(FieldError.Invalid($"spec.versions[{i}].schema.openAPIV3Schema", "object", ex.Message));
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Invalid("apiextensions.k8s.io", "CustomResourceDefinition", crd.Name(), errors);
        }

        names!["singular"] ??= kind!.ToLowerInvariant();
        names["listKind"] ??= kind + "List";
        spec!["conversion"] ??= new JsonObject { ["strategy"] = "None" };
    }

    /// <summary>Registers the CRD's resources and marks it Established (a status write, as the real controller makes).</summary>
    public void Established(JsonObject crd)
    {
        var types = TypesOf(crd);
        _registry.SetCustom(crd.Name(), types);
        var status = StatusOf(crd);
        if (JsonNode.DeepEquals(crd["status"], status))
        {
            return;
        }

        var updated = crd.CloneObject();
        updated["status"] = status;
        _store.Put(StorageKey, updated);
    }

    /// <summary>Unregisters the CRD's resources and deletes their objects.</summary>
    public void Removed(JsonObject crd)
    {
        _registry.SetCustom(crd.Name(), []);
        var group = crd.At("spec", "group")?.GetValue<string>();
        var plural = crd.At("spec", "names", "plural")?.GetValue<string>();
        var key = group + "/" + plural;
        foreach (var obj in _store.List(key))
        {
            _store.Remove(key, obj.Namespace(), obj.Name());
        }
    }

    private JsonObject StatusOf(JsonObject crd)
    {
        var previous = crd["status"]?["conditions"] as JsonArray;
        string Since(string type) =>
            previous?.FirstOrDefault(c => c?["type"]?.GetValue<string>() == type)?["lastTransitionTime"]?.GetValue<string>()
            ?? JsonNodes.Timestamp(_time.GetUtcNow());
        var storage = (crd.At("spec", "versions") as JsonArray)?.FirstOrDefault(v => JsonNodes.IsTrue(v?["storage"]))?["name"]?.GetValue<string>();
        var storedVersions = crd.At("status", "storedVersions") as JsonArray is { } existing
            ? existing.Select(v => v?.GetValue<string>()).OfType<string>().ToList()
            : [];
        if (storage is not null && !storedVersions.Contains(storage))
        {
            storedVersions.Add(storage);
        }

        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", Since("NamesAccepted")),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", Since("Established"))),
            ["acceptedNames"] = crd.At("spec", "names")?.DeepClone(),
            ["storedVersions"] = new JsonArray(storedVersions.Select(v => (JsonNode)v).ToArray()),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string since) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = since,
        ["reason"] = reason,
        ["message"] = message,
    };

    private static List<ResourceType> TypesOf(JsonObject crd)
    {
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var result = new List<ResourceType>();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["served"] is JsonValue served && served.GetValueKind() == System.Text.Json.JsonValueKind.False)
            {
                continue;
            }

            var schema = version.At("schema", "openAPIV3Schema") as JsonObject;
            var scale = version.At("subresources", "scale") as JsonObject;
            result.Add(new ResourceType
            {
                Group = spec.GetString("group")!,
                Version = version.GetString("name")!,
                Kind = names.GetString("kind")!,
                Plural = names.GetString("plural")!,
                Singular = names.GetString("singular")!,
                Namespaced = spec.GetString("scope") == "Namespaced",
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                HasStatusSubresource = version.At("subresources", "status") is JsonObject,
                Scale = scale is null
                    ? null
                    : new ScaleSubresource(
                        scale.GetString("specReplicasPath")!.TrimStart('.'),
                        scale.GetString("statusReplicasPath")!.TrimStart('.'),
                        scale.GetString("labelSelectorPath")?.TrimStart('.')),
                PrinterColumns = (version["additionalPrinterColumns"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(c => new PrinterColumn(
                        c.GetString("name") ?? "",
                        c.GetString("type") ?? "string",
                        c.GetString("jsonPath") ?? "",
                        (int)(JsonNodes.Int64(c["priority"]) ?? 0),
                        c.GetString("format") ?? ""))
                    .ToList(),
                Schema = schema is null ? null : new CustomResourceSchema(SchemaNode.Parse(schema)),
                IsCustom = true,
            });
        }

        return result;
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(JsonNodes.ScalarText).OfType<string>().ToList() : [];
}

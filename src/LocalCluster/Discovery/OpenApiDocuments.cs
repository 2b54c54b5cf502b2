using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Discovery;

/// <summary>
/// <c>/openapi/v3</c>: the index of group-version documents, and per group-version a document with one path
/// per resource whose PATCH operation carries <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c>
/// and <c>dryRun</c> query parameters. That is what kubectl v1.35 checks before it leaves validation to the server.
/// The PATCH request bodies do not offer strategic merge patch, so kubectl computes its patches from its compiled-in
/// types for built-ins and uses JSON merge patches for custom resources. Custom resources carry their CRD schema.
/// </summary>
internal sealed class OpenApiDocuments
{
    private readonly ResourceRegistry _registry;
    private readonly ObjectStore _store;

    public OpenApiDocuments(ResourceRegistry registry, ObjectStore store)
    {
        _registry = registry;
        _store = store;
    }

    /// <summary>GET /openapi/v3.</summary>
    public JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var (group, versions) in _registry.GroupVersions())
        {
            foreach (var version in versions)
            {
                var key = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(group, version)}" };
            }
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>GET /openapi/v3/api/v1 or /openapi/v3/apis/{group}/{version}; null when not served.</summary>
    public JsonObject? GroupVersion(string group, string version)
    {
        var types = _registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in types)
        {
            var prefix = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
            var collection = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}" : $"{prefix}/{type.Plural}";
            var schemaName = SchemaName(type);
            paths[collection] = new JsonObject
            {
                ["get"] = Operation("list", type, schemaName, includePatchBody: false),
                ["post"] = Operation("post", type, schemaName, includePatchBody: false),
            };
            paths[collection + "/{name}"] = new JsonObject
            {
                ["get"] = Operation("get", type, schemaName, includePatchBody: false),
                ["put"] = Operation("put", type, schemaName, includePatchBody: false),
                ["patch"] = Operation("patch", type, schemaName, includePatchBody: true),
                ["delete"] = Operation("delete", type, schemaName, includePatchBody: false),
            };
            if (type.HasStatusSubresource)
            {
                paths[collection + "/{name}/status"] = new JsonObject
                {
                    ["get"] = Operation("get", type, schemaName, includePatchBody: false),
                    ["patch"] = Operation("patch", type, schemaName, includePatchBody: true),
                };
            }

            var schema = type.IsCustom ? CrdSchema(type) : new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type));
            schemas[schemaName] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private JsonObject CrdSchema(ResourceType type)
    {
        var crd = _store.Get("apiextensions.k8s.io/customresourcedefinitions", null, type.Plural + "." + type.Group);
        var version = (crd?.At("spec", "versions") as JsonArray)?.FirstOrDefault(v => JsonNodes.ScalarText(v?["name"]) == type.Version);
        return version?.At("schema", "openAPIV3Schema") is JsonObject schema
            ? schema.CloneObject()
            : new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
    }

    private static JsonObject Operation(string action, ResourceType type, string schemaName, bool includePatchBody)
    {
        var reference = new JsonObject { ["$ref"] = "#/components/schemas/" + schemaName };
        var parameters = new JsonArray(
            Parameter("dryRun"),
            Parameter("fieldManager"),
            Parameter("fieldValidation"),
            Parameter("pretty"));
        if (action == "patch")
        {
            parameters.Add(Parameter("force"));
        }

        var operation = new JsonObject
        {
            ["operationId"] = action + type.Kind,
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = Gvk(type),
        };
        if (includePatchBody)
        {
            var patchSchema = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } };
            operation["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject
                {
                    ["application/json-patch+json"] = patchSchema.DeepClone(),
                    ["application/merge-patch+json"] = patchSchema.DeepClone(),
                    ["application/apply-patch+yaml"] = patchSchema.DeepClone(),
                },
                ["required"] = true,
            };
        }

        return operation;
    }

    private static JsonObject Parameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = name == "force" ? "boolean" : "string", ["uniqueItems"] = true },
    };

    private static JsonObject Gvk(ResourceType type) => new() { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };

    private static string SchemaName(ResourceType type)
    {
        var reversedGroup = type.Group.Length == 0 ? "io.k8s.api.core" : string.Join('.', type.Group.Split('.').Reverse());
        return $"{reversedGroup}.{type.Version}.{type.Kind}";
    }

    private string Hash(string group, string version)
    {
        // Changes whenever the served resources change, so kubectl's cache does not keep a stale document.
        var text = string.Join('|', _registry.All.Where(t => t.Group == group && t.Version == version).Select(t => t.Plural + ":" + t.Kind));
        var crdVersions = string.Join('|', _store.List("apiextensions.k8s.io/customresourcedefinitions")
            .Where(c => JsonNodes.ScalarText(c.At("spec", "group")) == group).Select(c => c.ResourceVersion()));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text + crdVersions)))[..16];
    }
}

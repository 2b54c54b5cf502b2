using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Lifecycle;
using PoolOperator.LocalCluster.Patching;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Http;

/// <summary>
/// The <c>/scale</c> subresource: an <c>autoscaling/v1 Scale</c> view of a workload's replicas. Writing it changes
/// only the replicas (and so bumps the generation), with the same optimistic concurrency as the object.
/// </summary>
internal sealed class ScaleEndpoint
{
    private readonly ObjectStore _store;
    private readonly ObjectWriter _writer;

    public ScaleEndpoint(ObjectStore store, ObjectWriter writer)
    {
        _store = store;
        _writer = writer;
    }

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        var scale = type.Scale!;
        var name = path.Name ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        switch (context.Request.Method)
        {
            case "GET":
            {
                var current = _store.Get(type.StorageKey, path.Namespace, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
                await Responses.WriteJsonAsync(context, ToScale(current, scale));
                break;
            }

            case "PUT":
            {
                var body = await RequestBodies.ReadObjectAsync(context);
                await Responses.WriteJsonAsync(context, Write(type, path.Namespace, name, _ => body, RequestBodies.WriteContext(context)));
                break;
            }

            case "PATCH":
            {
                var contentType = context.Request.ContentType ?? "";
                var patch = await RequestBodies.ReadTextAsync(context);
                await Responses.WriteJsonAsync(context, Write(type, path.Namespace, name, currentScale =>
                {
                    // A Scale is a plain object: a strategic merge patch means the same as a merge patch here.
                    var media = contentType.Replace(PatchApplier.StrategicMergePatchType, PatchApplier.MergePatchType, StringComparison.OrdinalIgnoreCase);
                    return PatchApplier.Apply(media, currentScale, patch, type with { IsCustom = true });
                }, RequestBodies.WriteContext(context)));
                break;
            }

            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({context.Request.Method} {type.QualifiedPlural}/scale)");
        }
    }

    private JsonObject Write(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> proposeScale, WriteContext context)
    {
        lock (_store.Gate)
        {
            var current = _store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
            var desired = proposeScale(ToScale(current, type.Scale!));
            var replicas = JsonNodes.Int64(desired.At("spec", "replicas"));
            if (replicas is null or < 0)
            {
                throw ApiException.Invalid("autoscaling", "Scale", name, [FieldError.Invalid("spec.replicas", desired.At("spec", "replicas")?.DeepClone(), "must be greater than or equal to 0")]);
            }

            var proposed = current.CloneObject();
            SetPath(proposed, type.Scale!.SpecReplicasPath, replicas.Value);
            var updated = _writer.Commit(type, current, proposed, statusOnly: false, desired.Metadata().GetString("resourceVersion"), context);
            return ToScale(_store.Get(type.StorageKey, ns, name) ?? updated, type.Scale!);
        }
    }

    private static JsonObject ToScale(JsonObject obj, ScaleSubresource scale)
    {
        var meta = obj.Metadata();
        var status = new JsonObject { ["replicas"] = JsonNodes.Int64(obj.At(scale.StatusReplicasPath.Split('.'))) ?? 0 };
        if (scale.LabelSelectorPath is { } selectorPath && Selector(obj.At(selectorPath.Split('.'))) is { } selector)
        {
            status["selector"] = selector;
        }

        var scaleMeta = new JsonObject
        {
            ["name"] = meta["name"]?.DeepClone(),
            ["uid"] = meta["uid"]?.DeepClone(),
            ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
            ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
        };
        if (meta["namespace"] is { } ns)
        {
            scaleMeta["namespace"] = ns.DeepClone();
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = JsonNodes.Int64(obj.At(scale.SpecReplicasPath.Split('.'))) ?? 0 },
            ["status"] = status,
        };
    }

    /// <summary>The selector in its string form: a CR's string as is, a LabelSelector object rendered as <c>k=v,k in (a,b)</c>.</summary>
    private static string? Selector(JsonNode? node)
    {
        if (node is JsonValue)
        {
            return JsonNodes.ScalarText(node);
        }

        if (node is not JsonObject selector)
        {
            return null;
        }

        var parts = new List<string>();
        if (selector["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.Select(p => $"{p.Key}={JsonNodes.ScalarText(p.Value)}"));
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression.GetString("key");
            var values = (expression["values"] as JsonArray ?? []).Select(JsonNodes.ScalarText);
            parts.Add(expression.GetString("operator") switch
            {
                "In" => $"{key} in ({string.Join(",", values)})",
                "NotIn" => $"{key} notin ({string.Join(",", values)})",
                "Exists" => key!,
                _ => "!" + key,
            });
        }

        return string.Join(",", parts);
    }

    private static void SetPath(JsonObject obj, string dottedPath, long value)
    {
        var steps = dottedPath.Split('.');
        var node = obj;
        foreach (var step in steps[..^1])
        {
            if (node[step] is not JsonObject child)
            {
                child = [];
                node[step] = child;
            }

            node = child;
        }

        node[steps[^1]] = value;
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Lifecycle;

namespace PoolOperator.LocalCluster.Http;

/// <summary>Reads request bodies and write options from a request.</summary>
internal static class RequestBodies
{
    public static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    /// <summary>The body as an object (JSON, or YAML when sent as YAML); 415 for protobuf, 400 when malformed.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "application/json";
        if (contentType.StartsWith(Protobuf.ProtobufBodies.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return Protobuf.ProtobufBodies.Decode(buffer.ToArray());
        }

        if (contentType.Contains("protobuf", StringComparison.OrdinalIgnoreCase) || contentType.Contains("cbor", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format ({contentType}) - accepted media types include: application/json, application/yaml");
        }

        var text = await ReadTextAsync(context);
        try
        {
            return YamlToJson.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the request body must be an object");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest("the request body could not be decoded: " + ex.Message);
        }
    }

    public static WriteContext WriteContext(HttpContext context) => new()
    {
        FieldValidation = context.Request.Query["fieldValidation"].FirstOrDefault() is { Length: > 0 } v ? v : "Warn",
        DryRun = context.Request.Query.ContainsKey("dryRun"),
    };

    /// <summary>DeleteOptions from the query and the body (the body wins where both say something).</summary>
    public static async Task<DeleteRequest> ReadDeleteAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var request = new DeleteRequest
        {
            GracePeriodSeconds = long.TryParse(query["gracePeriodSeconds"].FirstOrDefault(), out var g) ? g : null,
            PropagationPolicy = query["propagationPolicy"].FirstOrDefault(),
            DryRun = query.ContainsKey("dryRun"),
        };
        JsonObject? body;
        if ((context.Request.ContentType ?? "").StartsWith(Protobuf.ProtobufBodies.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.Length == 0 ? null : Protobuf.ProtobufBodies.DecodeDeleteOptions(buffer.ToArray());
        }
        else
        {
            var text = await ReadTextAsync(context);
            if (string.IsNullOrWhiteSpace(text))
            {
                return request;
            }

            try
            {
                body = JsonNode.Parse(text) as JsonObject;
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw ApiException.BadRequest("DeleteOptions could not be decoded: " + ex.Message);
            }
        }

        if (body is null)
        {
            return request;
        }

        return request with
        {
            GracePeriodSeconds = JsonNodes.Int64(body["gracePeriodSeconds"]) ?? request.GracePeriodSeconds,
            PropagationPolicy = body.GetString("propagationPolicy") ?? (JsonNodes.IsTrue(body["orphanDependents"]) ? "Orphan" : request.PropagationPolicy),
            PreconditionUid = (body["preconditions"] as JsonObject).GetString("uid"),
            PreconditionResourceVersion = (body["preconditions"] as JsonObject).GetString("resourceVersion"),
            DryRun = request.DryRun || body["dryRun"] is JsonArray { Count: > 0 },
        };
    }
}

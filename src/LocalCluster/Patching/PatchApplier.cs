using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Patching;

/// <summary>Applies a PATCH body by its content type.</summary>
/// <remarks>
/// Server-side apply (<c>application/apply-patch+yaml</c>) is approximated: the applied configuration is merged
/// into the object (strategic merge for built-ins, JSON merge for custom resources) and creates it when absent.
/// There are no managed fields, no conflicts between managers, and fields left out of a later apply are not removed.
/// </remarks>
internal static class PatchApplier
{
    public const string JsonPatchType = "application/json-patch+json";
    public const string MergePatchType = "application/merge-patch+json";
    public const string StrategicMergePatchType = "application/strategic-merge-patch+json";
    public const string ApplyPatchType = "application/apply-patch+yaml";

    /// <summary>Whether the content type asks for server-side apply.</summary>
    public static bool IsApply(string contentType) => MediaType(contentType) is ApplyPatchType or "application/apply-patch+cbor";

    /// <summary>The configuration of a server-side apply, as an object.</summary>
    public static JsonObject ParseApplyConfiguration(string body) =>
        Parse(body) as JsonObject ?? throw ApiException.BadRequest("the applied configuration must be an object");

    public static JsonObject Apply(string contentType, JsonObject current, string body, ResourceType type)
    {
        var media = MediaType(contentType);
        JsonNode? result = media switch
        {
            JsonPatchType => JsonPatch.Apply(current, Parse(body)),
            MergePatchType => JsonMergePatch.Apply(current, Parse(body)),
            StrategicMergePatchType when type.IsCustom => throw ApiException.UnsupportedMediaType(
                $"the body of the request was in an unknown format - accepted media types include: {JsonPatchType}, {MergePatchType}, {ApplyPatchType}"),
            StrategicMergePatchType => StrategicMergePatch.Apply(current, Parse(body)),
            ApplyPatchType when type.IsCustom => JsonMergePatch.Apply(current, ParseApplyConfiguration(body)),
            ApplyPatchType => StrategicMergePatch.Apply(current, ParseApplyConfiguration(body)),
            _ => throw ApiException.UnsupportedMediaType(
                $"the body of the request was in an unknown format - accepted media types include: {JsonPatchType}, {MergePatchType}, {StrategicMergePatchType}, {ApplyPatchType}"),
        };
        return result as JsonObject ?? throw ApiException.BadRequest("the patch did not produce an object");
    }

    private static string MediaType(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static JsonNode? Parse(string body)
    {
        try
        {
            return YamlToJson.Parse(body);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest("the patch could not be parsed: " + ex.Message);
        }
    }
}

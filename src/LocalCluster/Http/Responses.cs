using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Http;

/// <summary>Writes JSON answers and Status errors.</summary>
internal static class Responses
{
    public static async Task WriteJsonAsync(HttpContext context, JsonNode body, int statusCode = 200, string contentType = "application/json")
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        var bytes = JsonNodes.ToUtf8(body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiException error) =>
        WriteJsonAsync(context, error.ToStatus(), error.Code);

    /// <summary>Adds the <c>Warning</c> headers kubectl and the client print (<c>299 - "text"</c>).</summary>
    public static void AddWarnings(HttpContext context, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings.Distinct())
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }
    }
}

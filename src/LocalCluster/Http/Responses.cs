using System.Buffers;
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

    /// <summary>Writes a body that is UTF-8 JSON already.</summary>
    public static async Task WriteUtf8Async(HttpContext context, ReadOnlyMemory<byte> body, int statusCode = 200)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// Writes a list: <paramref name="head"/> (an object of kind, apiVersion and metadata, UTF-8) with
    /// the items, already UTF-8 JSON, appended as its <c>items</c>. Streamed: a list of 10,000 pods is
    /// not one 80 MB buffer.
    /// </summary>
    public static async Task WriteListAsync(HttpContext context, byte[] head, IEnumerable<byte[]> items)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var writer = context.Response.BodyWriter;
        writer.Write(head.AsSpan(0, head.Length - 1));
        writer.Write(",\"items\":["u8);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                writer.Write(","u8);
            }

            first = false;
            writer.Write(item);
            if (writer.UnflushedBytes > 64 * 1024)
            {
                await writer.FlushAsync(context.RequestAborted);
            }
        }

        writer.Write("]}"u8);
        await writer.FlushAsync(context.RequestAborted);
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

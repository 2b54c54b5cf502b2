using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Lifecycle;
using PoolOperator.LocalCluster.Selectors;
using PoolOperator.LocalCluster.Storage;
using PoolOperator.LocalCluster.Tables;

namespace PoolOperator.LocalCluster.Http;

/// <summary>
/// <c>?watch=true</c>: a chunked stream of <c>{"type":..,"object":..}</c> lines, flushed as soon as the queued events are written.
/// Starts from the current state (no resourceVersion) or replays history after a resourceVersion;
/// a version older than the retained history gets one ERROR line with a 410 Expired Status.
/// </summary>
internal sealed partial class WatchEndpoint
{
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private readonly ObjectStore _store;
    private readonly TableConverter _tables;
    private readonly TimeSpan _bookmarkInterval;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;

    public WatchEndpoint(ObjectStore store, TableConverter tables, TimeSpan bookmarkInterval, ILogger logger, CancellationToken stopping)
    {
        _store = store;
        _tables = tables;
        _bookmarkInterval = bookmarkInterval;
        _stopping = stopping;
        _logger = logger;
    }

    public async Task StreamAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var rvText = query["resourceVersion"].FirstOrDefault();
        long? from = null;
        if (!string.IsNullOrEmpty(rvText))
        {
            from = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resource version: {rvText}");
        }

        var sendInitialEvents = query["sendInitialEvents"].FirstOrDefault() == "true";
        if (sendInitialEvents)
        {
            from = null;
        }

        var bookmarks = query["allowWatchBookmarks"].FirstOrDefault() == "true";
        var asTable = TableConverter.Wanted(context.Request.Headers.Accept);
        string? includeObject = query["includeObject"];
        var ns = path.Namespace;

        var selection = new ObjectSelection(ns, labels, fields);
        byte[] Render(StoredObject o)
        {
            if (!asTable)
            {
                return ObjectWriter.RenderUtf8(type, o);
            }

            var rendered = ObjectWriter.Render(type, o.Parse());
            return JsonNodes.ToUtf8(_tables.Convert(type, [rendered], rendered.ResourceVersion(), includeObject));
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        if (long.TryParse(query["timeoutSeconds"].FirstOrDefault(), out var timeoutSeconds) && timeoutSeconds > 0)
        {
            lifetime.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(context.RequestAborted);

        var watch = new WatchSubscription(type.StorageKey, selection.Matches, Render);
        if (!_store.TrySubscribe(watch, from))
        {
            var expired = ApiException.Status(410, "Expired", $"too old resource version: {from} ({_store.CurrentResourceVersion})");
            await WriteLineAsync(context, "ERROR", JsonNodes.ToUtf8(expired));
            return;
        }

        if (sendInitialEvents)
        {
            // Watch-list clients learn that the initial state is complete from an annotated bookmark.
            lock (_store.Gate)
            {
                watch.Enqueue("BOOKMARK", JsonNodes.ToUtf8(new JsonObject
                {
                    ["kind"] = type.Kind,
                    ["apiVersion"] = type.ApiVersion,
                    ["metadata"] = new JsonObject
                    {
                        ["resourceVersion"] = _store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture),
                        ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                    },
                }));
            }
        }

        LogWatchStarted(_logger, type.QualifiedPlural, ns ?? "*", rvText ?? "");
        var bookmarkLoop = bookmarks ? SendBookmarksAsync(watch, type.ApiVersion, type.Kind, lifetime.Token) : Task.CompletedTask;
        try
        {
            while (await watch.Reader.WaitToReadAsync(lifetime.Token))
            {
                // Every queued event, then one flush: a burst of changes is not one TLS record per line.
                while (watch.Reader.TryRead(out var message))
                {
                    WriteLine(context, message.Type, message.Object);
                    if (context.Response.BodyWriter.UnflushedBytes > 64 * 1024)
                    {
                        await context.Response.BodyWriter.FlushAsync(lifetime.Token);
                    }
                }

                await context.Response.BodyWriter.FlushAsync(lifetime.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: the stream simply ends.
        }
        catch (IOException)
        {
            // The client dropped the connection.
        }
        finally
        {
            _store.Unsubscribe(watch);
            await lifetime.CancelAsync();
            await bookmarkLoop;
        }
    }

    private async Task SendBookmarksAsync(WatchSubscription watch, string apiVersion, string kind, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_bookmarkInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _store.Bookmark(watch, apiVersion, kind);
            }
        }
        catch (OperationCanceledException)
        {
            // The watch ended.
        }
    }

    /// <summary>One event line, <c>{"type":..,"object":..}</c>, around the object's bytes as they are (no re-serialization per watcher).</summary>
    private static async Task WriteLineAsync(HttpContext context, string type, byte[] obj)
    {
        WriteLine(context, type, obj);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void WriteLine(HttpContext context, string type, byte[] obj)
    {
        var writer = context.Response.BodyWriter;
        writer.Write("{\"type\":\""u8);
        Encoding.UTF8.GetBytes(type, writer);
        writer.Write("\",\"object\":"u8);
        writer.Write(obj);
        writer.Write("}"u8);
        writer.Write(Newline);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch on {Resource} in {Namespace} from resourceVersion '{ResourceVersion}'")]
    private static partial void LogWatchStarted(ILogger logger, string resource, string @namespace, string resourceVersion);
}

using System.Globalization;
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
/// <c>?watch=true</c>: a chunked stream of <c>{"type":..,"object":..}</c> lines, one flush per event.
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

        bool Filter(JsonObject o) => (ns is null || o.Namespace() == ns) && labels.Matches(o.Labels()) && fields.Matches(o);
        JsonObject Render(JsonObject o)
        {
            var rendered = ObjectWriter.Render(type, o);
            return asTable ? _tables.Convert(type, [rendered], rendered.ResourceVersion(), includeObject) : rendered;
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

        var watch = new WatchSubscription(type.StorageKey, Filter, Render);
        if (!_store.TrySubscribe(watch, from))
        {
            var expired = ApiException.Status(410, "Expired", $"too old resource version: {from} ({_store.CurrentResourceVersion})");
            await WriteLineAsync(context, "ERROR", expired);
            return;
        }

        if (sendInitialEvents)
        {
            // Watch-list clients learn that the initial state is complete from an annotated bookmark.
            lock (_store.Gate)
            {
                watch.Enqueue("BOOKMARK", new JsonObject
                {
                    ["kind"] = type.Kind,
                    ["apiVersion"] = type.ApiVersion,
                    ["metadata"] = new JsonObject
                    {
                        ["resourceVersion"] = _store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture),
                        ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                    },
                });
            }
        }

        LogWatchStarted(_logger, type.QualifiedPlural, ns ?? "*", rvText ?? "");
        var bookmarkLoop = bookmarks ? SendBookmarksAsync(watch, type.ApiVersion, type.Kind, lifetime.Token) : Task.CompletedTask;
        try
        {
            while (await watch.Reader.WaitToReadAsync(lifetime.Token))
            {
                while (watch.Reader.TryRead(out var message))
                {
                    await WriteLineAsync(context, message.Type, message.Object);
                }
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

    private static async Task WriteLineAsync(HttpContext context, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj };
        var bytes = JsonNodes.ToUtf8(line);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        await context.Response.Body.WriteAsync(Newline, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watch on {Resource} in {Namespace} from resourceVersion '{ResourceVersion}'")]
    private static partial void LogWatchStarted(ILogger logger, string resource, string @namespace, string resourceVersion);
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Lifecycle;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Selectors;
using PoolOperator.LocalCluster.Storage;
using PoolOperator.LocalCluster.Tables;

namespace PoolOperator.LocalCluster.Http;

/// <summary>The REST verbs on a resource URL: get, list, create, update, patch, delete, deletecollection; watch and scale are delegated.</summary>
internal sealed class ResourceEndpoints
{
    private readonly ObjectStore _store;
    private readonly ObjectWriter _writer;
    private readonly ObjectDeleter _deleter;
    private readonly TableConverter _tables;
    private readonly WatchEndpoint _watch;
    private readonly ScaleEndpoint _scale;
    private readonly TokenRequestEndpoint _tokenRequests;

    public ResourceEndpoints(
        ObjectStore store, ObjectWriter writer, ObjectDeleter deleter, TableConverter tables, WatchEndpoint watch, ScaleEndpoint scale, TokenRequestEndpoint tokenRequests)
    {
        _tokenRequests = tokenRequests;
        _store = store;
        _writer = writer;
        _deleter = deleter;
        _tables = tables;
        _watch = watch;
        _scale = scale;
    }

    /// <summary>Serves <c>pods/log</c> (the process kubelet's output); without it the subresource is 404.</summary>
    public Processes.PodLogEndpoint? PodLogs { get; init; }

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        if (path is { Subresource: "log", Namespace: { } podNamespace, Name: { } podName } && type.StorageKey == "/pods" && PodLogs is not null)
        {
            await PodLogs.HandleAsync(context, podNamespace, podName);
            return;
        }

        if (path.Subresource == "token" && type.StorageKey == "/serviceaccounts" && path.Name is not null)
        {
            await _tokenRequests.HandleAsync(context, path);
            return;
        }

        if (path.Subresource is { } sub && sub != "status" && !(sub == "scale" && type.Scale is not null))
        {
            throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({type.QualifiedPlural}/{sub})");
        }

        if (type.Namespaced && path.Name is not null && path.Namespace is null)
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        if (path.Subresource == "status" && !type.HasStatusSubresource)
        {
            throw new ApiException(404, "NotFound", $"the server could not find the requested resource ({type.QualifiedPlural}/status)");
        }

        if (path.Subresource == "scale")
        {
            await _scale.HandleAsync(context, path);
            return;
        }

        var method = context.Request.Method;
        var statusOnly = path.Subresource == "status";
        switch (method)
        {
            case "GET" when path.Name is null && IsWatch(context):
                await _watch.StreamAsync(context, path);
                break;
            case "GET" when path.Name is null:
                await ListAsync(context, path);
                break;
            case "GET":
                await GetAsync(context, path);
                break;
            case "POST" when path.Name is null:
            {
                var write = RequestBodies.WriteContext(context);
                var created = _writer.Create(type, path.Namespace, await RequestBodies.ReadObjectAsync(context), write);
                Responses.AddWarnings(context, write.Warnings);
                await Responses.WriteJsonAsync(context, created, 201);
                break;
            }

            case "PUT" when path.Name is not null:
            {
                var write = RequestBodies.WriteContext(context);
                var updated = _writer.Update(type, path.Namespace, path.Name, await RequestBodies.ReadObjectAsync(context), statusOnly, write);
                Responses.AddWarnings(context, write.Warnings);
                await Responses.WriteJsonAsync(context, updated);
                break;
            }

            case "PATCH" when path.Name is not null:
            {
                var write = RequestBodies.WriteContext(context);
                var contentType = context.Request.ContentType ?? "";
                var existed = _store.Contains(type.StorageKey, path.Namespace, path.Name);
                var patched = _writer.Patch(type, path.Namespace, path.Name, contentType, await RequestBodies.ReadTextAsync(context), statusOnly, write);
                Responses.AddWarnings(context, write.Warnings);
                await Responses.WriteJsonAsync(context, patched, existed ? 200 : 201);
                break;
            }

            case "DELETE" when path.Name is not null:
            {
                var deleted = _deleter.Delete(type, path.Namespace, path.Name, await RequestBodies.ReadDeleteAsync(context));
                await Responses.WriteJsonAsync(context, deleted);
                break;
            }

            case "DELETE":
                await DeleteCollectionAsync(context, path);
                break;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({method} {type.QualifiedPlural})");
        }
    }

    private static bool IsWatch(HttpContext context) =>
        context.Request.Query["watch"].FirstOrDefault() is "true" or "1" or "True";

    private async Task GetAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        var stored = _store.Find(type.StorageKey, path.Namespace, path.Name!) ?? throw ApiException.NotFound(type.Group, type.Plural, path.Name!);
        if (TableConverter.Wanted(context.Request.Headers.Accept))
        {
            var rendered = ObjectWriter.Render(type, stored.Parse());
            await Responses.WriteJsonAsync(context, _tables.Convert(type, [rendered], rendered.ResourceVersion(), context.Request.Query["includeObject"]));
            return;
        }

        await Responses.WriteUtf8Async(context, ObjectWriter.RenderUtf8(type, stored));
    }

    private async Task ListAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        var query = context.Request.Query;
        var selection = new ObjectSelection(path.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]));
        var limit = long.TryParse(query["limit"].FirstOrDefault(), out var l) && l > 0 ? l : long.MaxValue;
        var after = DecodeContinue(query["continue"].FirstOrDefault());

        List<StoredObject> items;
        string resourceVersion;
        string? next = null;
        long remaining = 0;
        lock (_store.Gate)
        {
            resourceVersion = _store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture);
            var matching = _store.Entries(type.StorageKey, path.Namespace)
                .Where(o => after is null || string.CompareOrdinal(o.Key, after) > 0)
                .Where(selection.Matches)
                .ToList();
            items = matching.Take((int)Math.Min(limit, int.MaxValue)).ToList();
            if (matching.Count > items.Count)
            {
                remaining = matching.Count - items.Count;
                next = Convert.ToBase64String(Encoding.UTF8.GetBytes(items[^1].Key));
            }
        }

        // Stored objects never change, so the answer is rendered outside the lock.
        if (TableConverter.Wanted(context.Request.Headers.Accept))
        {
            await Responses.WriteJsonAsync(context, _tables.Convert(type, items.Select(o => ObjectWriter.Render(type, o.Parse())).ToList(), resourceVersion, query["includeObject"], next));
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (next is not null)
        {
            metadata["continue"] = next;
            metadata["remainingItemCount"] = remaining;
        }

        var head = new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
        };
        await Responses.WriteListAsync(context, JsonNodes.ToUtf8(head), items.Select(o => ObjectWriter.RenderUtf8(type, o)));
    }

    private async Task DeleteCollectionAsync(HttpContext context, ApiPath path)
    {
        var type = path.Type;
        var selection = new ObjectSelection(path.Namespace, LabelSelector.Parse(context.Request.Query["labelSelector"]), FieldSelector.Parse(context.Request.Query["fieldSelector"]));
        var options = await RequestBodies.ReadDeleteAsync(context);
        var deleted = new JsonArray();
        lock (_store.Gate)
        {
            foreach (var obj in _store.Entries(type.StorageKey, path.Namespace).Where(selection.Matches))
            {
                if (_store.Contains(type.StorageKey, obj.Namespace, obj.Name))
                {
                    deleted.Add(_deleter.Delete(type, obj.Namespace, obj.Name, options));
                }
            }
        }

        await Responses.WriteJsonAsync(context, new JsonObject
        {
            ["kind"] = type.Kind + "List",
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    private static string? DecodeContinue(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("continue key is not valid: malformed token");
        }
    }
}

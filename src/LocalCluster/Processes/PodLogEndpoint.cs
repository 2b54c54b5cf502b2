using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// <c>GET /api/v1/namespaces/NS/pods/NAME/log</c> (what <c>kubectl logs</c> calls), served from the process
/// kubelet's buffers: <c>container</c> (required when the pod has several), <c>previous</c>, <c>tailLines</c>
/// and <c>follow</c> (streams until the container's run ends or the client goes). A simulated pod has no
/// output: its log is empty.
/// </summary>
internal sealed class PodLogEndpoint(ObjectStore store, PodLogStore logs)
{
    public async Task HandleAsync(HttpContext context, string @namespace, string name)
    {
        if (context.Request.Method != "GET")
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource (pods/log)");
        }

        var pod = store.Get("/pods", @namespace, name) ?? throw ApiException.NotFound("", "pods", name);
        var containers = (pod.At("spec", "containers") as System.Text.Json.Nodes.JsonArray ?? [])
            .Select(c => c.At("name")?.GetValue<string>() ?? "").ToList();
        var query = context.Request.Query;
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            container = containers.Count == 1 ? containers[0]
                : throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]");
        }
        else if (!containers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        }

        var previous = IsTrue(query["previous"].ToString());
        var follow = IsTrue(query["follow"].ToString());
        int? tail = int.TryParse(query["tailLines"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        var log = logs.Find(@namespace, name, container, previous);
        if (log is null && previous)
        {
            throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        if (log is null)
        {
            return;
        }

        var (lines, position, changed) = log.Snapshot(tail);
        await WriteAsync(context, lines).ConfigureAwait(false);
        while (follow)
        {
            if (log.Completed)
            {
                await WriteAsync(context, log.After(position).Lines).ConfigureAwait(false);
                return;
            }

            try
            {
                await changed.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            (lines, position, changed) = log.After(position);
            await WriteAsync(context, lines).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpContext context, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        await context.Response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static bool IsTrue(string value) => value is "true" or "1" or "True";
}

using k8s;
using PoolOperator.Api;

namespace PoolOperator.Operator.Tests;

/// <summary>
/// A plain list-then-watch of the grants of one namespace, written for the tests independently of
/// the operator's informer: it hands every event, in the server's order, to a handler.
/// </summary>
internal sealed class GrantWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private readonly TaskCompletionSource listed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GrantWatcher(IKubernetes client, string ns, Action<WatchEventType, ConnectionGrant> handler)
    {
        loop = Task.Run(() => RunAsync(client, ns, handler, stop.Token));
    }

    public static async Task<GrantWatcher> StartAsync(IKubernetes client, string ns, Action<WatchEventType, ConnectionGrant> handler)
    {
        var watcher = new GrantWatcher(client, ns, handler);
        await watcher.listed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return watcher;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private async Task RunAsync(IKubernetes client, string ns, Action<WatchEventType, ConnectionGrant> handler, CancellationToken ct)
    {
        string? rv = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (rv is null)
                {
                    var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<ConnectionGrantList>(
                        ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.GrantPlural, cancellationToken: ct);
                    foreach (var grant in list.Items)
                    {
                        handler(WatchEventType.Added, grant);
                    }

                    rv = list.Metadata.ResourceVersion;
                    listed.TrySetResult();
                }

                var expired = false;
#pragma warning disable CS0618 // WatcherExt.WatchAsync is the way to watch custom resources with this client.
                var events = client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<ConnectionGrantList>(
                        ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.GrantPlural, resourceVersion: rv, timeoutSeconds: 300, watch: true, cancellationToken: ct)
                    .WatchAsync<ConnectionGrant, ConnectionGrantList>(ex => expired |= ex is KubernetesException { Status.Code: 410 }, ct);
#pragma warning restore CS0618
                await foreach (var (type, grant) in events)
                {
                    rv = grant.Metadata.ResourceVersion ?? rv;
                    if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
                    {
                        handler(type, grant);
                    }
                }

                if (expired)
                {
                    throw new InvalidOperationException("The test's grant watch expired; events would be lost.");
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
            {
                // A watch that ended without a line: resume.
            }
        }
    }
}

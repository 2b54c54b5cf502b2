using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.Operator.Tests;

/// <summary>
/// The protocol's other side, as the tests play it: for every grant whose spec.limit is not yet
/// acknowledged, writes status.appliedLimit = spec.limit through the status subresource (as an
/// agent would once its connections are within the limit). Acknowledging can be paused.
/// </summary>
internal sealed class GrantAgents : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly ConcurrentDictionary<string, ConnectionGrant> latest = new();
    private readonly Channel<string> pending = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource stop = new();
    private readonly Task worker;
    private GrantWatcher? watcher;
    private volatile bool acknowledge = true;

    private GrantAgents(IKubernetes client)
    {
        this.client = client;
        worker = Task.Run(AcknowledgeLoopAsync);
    }

    public int Acknowledgements { get; private set; }

    /// <summary>Whether grants are acknowledged; turning it on acknowledges what is pending.</summary>
    public bool Acknowledge
    {
        get => acknowledge;
        set
        {
            acknowledge = value;
            if (value)
            {
                foreach (var name in latest.Keys)
                {
                    pending.Writer.TryWrite(name);
                }
            }
        }
    }

    public static async Task<GrantAgents> StartAsync(IKubernetes client, string ns, bool acknowledge = true)
    {
        var agents = new GrantAgents(client) { acknowledge = acknowledge };
        agents.watcher = await GrantWatcher.StartAsync(client, ns, agents.OnEvent);
        return agents;
    }

    public async ValueTask DisposeAsync()
    {
        if (watcher is not null)
        {
            await watcher.DisposeAsync();
        }

        await stop.CancelAsync();
        pending.Writer.TryComplete();
        try
        {
            await worker;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }

    private void OnEvent(WatchEventType type, ConnectionGrant grant)
    {
        var name = grant.Metadata.Name;
        if (type == WatchEventType.Deleted)
        {
            latest.TryRemove(name, out _);
            return;
        }

        latest[name] = grant;
        if (grant.Status?.AppliedLimit != grant.Spec.Limit)
        {
            pending.Writer.TryWrite(name);
        }
    }

    private async Task AcknowledgeLoopAsync()
    {
        await foreach (var name in pending.Reader.ReadAllAsync(stop.Token))
        {
            if (!acknowledge || !latest.TryGetValue(name, out var grant) || grant.Status?.AppliedLimit == grant.Spec.Limit)
            {
                continue;
            }

            try
            {
                var patch = new { status = new { appliedLimit = grant.Spec.Limit, observedGeneration = grant.Metadata.Generation, inUse = 0, updatedAt = DateTime.UtcNow } };
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, name, cancellationToken: stop.Token);
                Acknowledgements++;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // The grant went away meanwhile.
            }
        }
    }
}

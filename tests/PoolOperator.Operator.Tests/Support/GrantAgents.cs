using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.Operator.Tests;

/// <summary>
/// The protocol's other side, as the tests play it: one real <see cref="GrantFollower"/> per grant (bound to the
/// grant's pod UID), holding no connections, so every shrink measures 0 at once; its acknowledgements (Waiting when
/// the grant is first seen, Active with each limit) are written through the status subresource. Acknowledging can
/// be paused.
/// </summary>
internal sealed class GrantAgents : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly ConcurrentDictionary<string, GrantFollower> followers = new();
    private readonly ConcurrentDictionary<string, string> podUids = new();
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
                foreach (var name in followers.Keys)
                {
                    pending.Writer.TryWrite(name);
                }
            }
        }
    }

    /// <summary>Grants (by name) whose acknowledgements are held back while <see cref="Acknowledge"/> is on; null for none.</summary>
    public Func<string, bool>? HeldBack { get; set; }

    /// <summary>Stops holding back acknowledgements and writes what is pending.</summary>
    public void Release()
    {
        HeldBack = null;
        Acknowledge = true;
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
            if (followers.TryRemove(name, out var gone))
            {
                lock (gone)
                {
                    gone.GrantDeleted();
                }
            }

            return;
        }

        if (string.IsNullOrEmpty(grant.Spec.PodUid))
        {
            return;
        }

        // A grant of this name bound to another pod UID is a recreated pod's: its agent is a new process.
        var follower = followers.AddOrUpdate(
            name,
            _ => new GrantFollower(grant.Spec.PodUid),
            (_, existing) => podUids.TryGetValue(name, out var uid) && uid == grant.Spec.PodUid ? existing : new GrantFollower(grant.Spec.PodUid));
        podUids[name] = grant.Spec.PodUid;
        lock (follower)
        {
            follower.Observe(grant);
            if (follower.MeasurementNeeded)
            {
                // The test agent holds no connections: what it could hold is 0.
                follower.Measured(0);
            }
        }

        pending.Writer.TryWrite(name);
    }

    private async Task AcknowledgeLoopAsync()
    {
        await foreach (var name in pending.Reader.ReadAllAsync(stop.Token))
        {
            if (!acknowledge || HeldBack?.Invoke(name) == true || !followers.TryGetValue(name, out var follower))
            {
                continue;
            }

            AgentAcknowledgement? ack;
            lock (follower)
            {
                ack = follower.PendingAcknowledgement;
            }

            if (ack is null)
            {
                continue;
            }

            try
            {
                var patch = new { status = new { phase = ack.Phase, appliedLimit = ack.AppliedLimit, observedGeneration = ack.ObservedGeneration, inUse = 0, updatedAt = DateTime.UtcNow } };
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, TestCluster.Ns, ApiGroup.GrantPlural, name, cancellationToken: stop.Token);
                lock (follower)
                {
                    follower.Written(ack);
                }

                Acknowledgements++;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // The grant went away meanwhile.
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.ScaleBench;

/// <summary>
/// The agents' side, played for every pod at once: watches the grants and acknowledges each new
/// generation (status.phase Waiting at limit 0, Active above; appliedLimit = spec.limit) as the pod's agent would; and the benchmark's clock,
/// noting when each pod and each pod's grant was first seen on a watch, so that a step's latency
/// is measured between two events seen by the same observer.
/// </summary>
internal sealed class AgentsAndClock : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly Channel<ConnectionGrant> pending = Channel.CreateUnbounded<ConnectionGrant>();
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public AgentsAndClock(IKubernetes client)
    {
        this.client = client;
        loops.Add(Task.Run(() => WatchGrantsAsync(stop.Token)));
        loops.Add(Task.Run(() => WatchPodsAsync(stop.Token)));
        for (var i = 0; i < 8; i++)
        {
            loops.Add(Task.Run(() => AcknowledgeAsync(stop.Token)));
        }
    }

    /// <summary>When each pod (namespace/name) was first seen, in <see cref="Now"/>'s terms.</summary>
    public ConcurrentDictionary<string, TimeSpan> PodSeen { get; } = new(StringComparer.Ordinal);

    /// <summary>When a grant for each pod (namespace/name) was first seen.</summary>
    public ConcurrentDictionary<string, TimeSpan> GrantSeen { get; } = new(StringComparer.Ordinal);

    public TimeSpan Now => clock.Elapsed;

    public long Acknowledgements;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        pending.Writer.TryComplete();
        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        stop.Dispose();
    }

    private async Task WatchGrantsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
#pragma warning disable CS0618 // the generic watch works for custom kinds
                var watch = client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync<ConnectionGrantList>(
                    ApiGroup.Group, ApiGroup.Version, ApiGroup.GrantPlural, watch: true, timeoutSeconds: 3600, cancellationToken: ct)
                    .WatchAsync<ConnectionGrant, ConnectionGrantList>(cancellationToken: ct);
#pragma warning restore CS0618
                await foreach (var (type, grant) in watch)
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified && grant?.Spec is not null)
                    {
                        GrantSeen.TryAdd(grant.Metadata.NamespaceProperty + "/" + grant.Spec.PodName, Now);
                        // Protocol v2 (docs/protocol.md): each new generation is acknowledged, a limit of 0
                        // as Waiting (the agent is up and asks for a slot), anything above as Active.
                        if (grant.Status?.AppliedLimit != grant.Spec.Limit || grant.Status.ObservedGeneration != grant.Metadata.Generation || grant.Status.Phase != PhaseOf(grant))
                        {
                            pending.Writer.TryWrite(grant);
                        }
                    }
                }
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                await Task.Delay(200, CancellationToken.None);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    private async Task WatchPodsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, pod) in client.CoreV1.WatchListPodForAllNamespacesAsync(timeoutSeconds: 3600, cancellationToken: ct))
                {
                    if (type == WatchEventType.Added)
                    {
                        PodSeen.TryAdd(pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name, Now);
                    }
                }
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                await Task.Delay(200, CancellationToken.None);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    private static string PhaseOf(ConnectionGrant grant) => grant.Spec.Limit > 0 ? GrantPhases.Active : GrantPhases.Waiting;

    private async Task AcknowledgeAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var grant in pending.Reader.ReadAllAsync(ct))
            {
                var patch = new { status = new { phase = PhaseOf(grant), appliedLimit = grant.Spec.Limit, observedGeneration = grant.Metadata.Generation, inUse = 0, updatedAt = DateTime.UtcNow } };
                try
                {
                    await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                        new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, grant.Metadata.NamespaceProperty, ApiGroup.GrantPlural, grant.Metadata.Name, cancellationToken: ct);
                    Interlocked.Increment(ref Acknowledgements);
                }
                catch (HttpOperationException)
                {
                    // The grant went with its pod; nothing to acknowledge.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}

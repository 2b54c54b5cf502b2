using k8s;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>One status an agent wrote, as a watch of the grant saw it.</summary>
internal sealed record StatusWrite(string? Phase, int? AppliedLimit, long? ObservedGeneration);

/// <summary>
/// The operator's side of one pod's grant: create, raise, shrink (with <c>spec.hold</c> as the operator keeps it)
/// and delete; and every status the agent writes, recorded by a watch.
/// </summary>
internal sealed class GrantOperator : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<StatusWrite> _writes = [];
    private readonly Task _watching;

    public GrantOperator(IKubernetes client, string podName, string podUid)
    {
        _client = client;
        PodName = podName;
        PodUid = podUid;
        Name = ApiGroup.GrantName(podName, ConformanceCluster.Budget);
        _watching = RecordAsync();
    }

    public string PodName { get; }

    public string PodUid { get; }

    public string Name { get; }

    /// <summary>Every distinct status the agent wrote so far, in order.</summary>
    public IReadOnlyList<StatusWrite> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>Creates the grant at <paramref name="limit"/>, bound to <paramref name="podUid"/> (the pod's own UID by default).</summary>
    public async Task<ConnectionGrant> CreateAsync(int limit, string? podUid = null)
    {
        var grant = new ConnectionGrant
        {
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = ConformanceCluster.Namespace },
            Spec = new ConnectionGrantSpec { PodName = PodName, PodUid = podUid ?? PodUid, BudgetName = ConformanceCluster.Budget, Limit = limit, Hold = limit },
        };
        return await _client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
            grant, ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural);
    }

    /// <summary>Writes a new limit as the operator does: <c>spec.hold = max(limit, what the pod may hold now)</c>.</summary>
    public async Task<ConnectionGrant> SetLimitAsync(int limit)
    {
        var current = await GetAsync();
        var hold = Api.Protocol.GrantHolds.HoldWith(current, limit);
        return await _client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(new { spec = new { limit, hold } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural, Name);
    }

    /// <summary>Puts the operator's finalizer on the grant, as the operator creates every grant.</summary>
    public async Task<ConnectionGrant> AddFinalizerAsync() =>
        await _client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(new { metadata = new { finalizers = new[] { ApiGroup.HoldFinalizer } } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural, Name);

    /// <summary>Removes every finalizer, as the operator does once the pod holds nothing; the grant then goes.</summary>
    public async Task RemoveFinalizersAsync() =>
        await _client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(new { metadata = new { finalizers = Array.Empty<string>() } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural, Name);

    public async Task<ConnectionGrant> GetAsync() =>
        await _client.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(
            ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural, Name);

    public async Task DeleteAsync() =>
        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural, Name);

    /// <summary>Waits until the grant's status answers its current generation with <paramref name="phase"/> and <paramref name="limit"/>.</summary>
    public async Task<ConnectionGrant> AcknowledgedAsync(string phase, int limit, AgentProcess agent)
    {
        ConnectionGrant? grant = null;
        await Eventually.TrueAsync(
            async () =>
            {
                grant = await GetAsync();
                return grant.Status is { } s && s.ObservedGeneration == grant.Metadata.Generation && s.Phase == phase && s.AppliedLimit == limit;
            },
            () => $"{Name} acknowledged {{{phase}, {limit}}} for generation {grant?.Metadata.Generation}; status writes: " +
                  $"{string.Join(", ", Writes)}. The agent's log:{Environment.NewLine}{agent.Log}");
        return grant!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _watching;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RecordAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var response = _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
                    ApiGroup.Group, ApiGroup.Version, ConformanceCluster.Namespace, ApiGroup.GrantPlural,
                    fieldSelector: $"metadata.name={Name}", watch: true, timeoutSeconds: 300, cancellationToken: _stopping.Token);
#pragma warning disable CS0618 // WatchAsync on a list response is the custom-resource watch of this client version.
                await foreach (var (_, grant) in response.WatchAsync<ConnectionGrant, object>(cancellationToken: _stopping.Token))
#pragma warning restore CS0618
                {
                    if (grant.Status is { } s)
                    {
                        var write = new StatusWrite(s.Phase, s.AppliedLimit, s.ObservedGeneration);
                        lock (_lock)
                        {
                            if (_writes.Count == 0 || _writes[^1] != write)
                            {
                                _writes.Add(write);
                            }
                        }
                    }
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
            {
                // The grant does not exist yet, or the watch ended: watch again.
                await Task.Delay(50, _stopping.Token);
            }
        }
    }
}

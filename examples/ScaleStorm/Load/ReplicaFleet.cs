using k8s;
using k8s.Models;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>
/// Plays the application's containers: starts a replica's load when its pod runs, and stops it
/// (closing its connections) as soon as the pod is Terminating, as a service does on SIGTERM.
/// Follows the pods by listing them every few milliseconds: the storm's cluster is in-process,
/// and a list is simpler to trust than a watch for a demo that must not miss a pod.
/// </summary>
internal sealed class ReplicaFleet : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _selector;
    private readonly IReplicaPools _pools;
    private readonly StormOptions _options;
    private readonly StormCounters _counters;
    private readonly Dictionary<string, ReplicaLoad> _running = new(StringComparer.Ordinal);
    private readonly List<Task> _stopping = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public ReplicaFleet(IKubernetes client, string @namespace, string selector, IReplicaPools pools, StormOptions options, StormCounters counters)
    {
        _client = client;
        _namespace = @namespace;
        _selector = selector;
        _pools = pools;
        _options = options;
        _counters = counters;
    }

    public int Running { get; private set; }

    public void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var pods = await _client.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: _selector, cancellationToken: _stop.Token).ConfigureAwait(false);
                Follow(pods.Items);
                await Task.Delay(TimeSpan.FromMilliseconds(25), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Follow(IList<V1Pod> pods)
    {
        var serving = pods
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running")
            .Select(p => p.Metadata.Name)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var name in serving.Where(n => !_running.ContainsKey(n)))
        {
            var (dataSource, companion) = _pools.Create(name);
            _running[name] = new ReplicaLoad(name, dataSource, _options.WorkersPerReplica, _options.QueryDuration, _counters, companion);
        }

        foreach (var name in _running.Keys.Where(n => !serving.Contains(n)).ToList())
        {
            _stopping.Add(_running[name].DisposeAsync().AsTask());
            _running.Remove(name);
        }

        Running = _running.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.AddRange(_running.Values.Select(r => r.DisposeAsync().AsTask()));
        _running.Clear();
        await Task.WhenAll(_stopping);
        _stop.Dispose();
    }
}

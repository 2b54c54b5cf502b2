using k8s;
using k8s.Models;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>
/// Plays the application's containers: starts a replica's load when its pod runs, and stops it
/// (in-flight queries finish, then its connections close) as soon as the pod is Terminating, as a
/// service does on SIGTERM. Follows the pods by listing them every few milliseconds: the storm's
/// cluster is in-process, and a list is simpler to trust than a watch for a demo that must not miss a pod.
/// </summary>
internal sealed class ReplicaFleet : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _selector;
    private readonly IReplicaFactory _replicas;
    private readonly StormOptions _options;
    private readonly StormCounters _counters;
    private readonly Dictionary<string, IReplica> _running = new(StringComparer.Ordinal);
    private readonly List<IReplica> _scaledUp = [];
    private readonly List<Task> _stopping = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private volatile int _runningCount;

    public ReplicaFleet(IKubernetes client, string @namespace, string selector, IReplicaFactory replicas, StormOptions options, StormCounters counters)
    {
        _client = client;
        _namespace = @namespace;
        _selector = selector;
        _replicas = replicas;
        _options = options;
        _counters = counters;
    }

    /// <summary>Replicas whose load is running (their pod is Running and not Terminating).</summary>
    public int Running => _runningCount;

    /// <summary>What the running replicas would use with nothing limiting them: one connection per worker.</summary>
    public int Demand => _runningCount * _options.WorkersPerReplica;

    /// <summary>Whether every running replica has had a connection (the warm-up is over when it has).</summary>
    public bool AllConnected
    {
        get
        {
            lock (_lock)
            {
                return _running.Values.All(r => r.FirstConnectionWait is not null);
            }
        }
    }

    /// <summary>For every replica started while the counters were recording: its agent's start to its first connection (none yet: left out).</summary>
    public IReadOnlyList<TimeSpan> FirstConnectionWaits
    {
        get
        {
            lock (_lock)
            {
                return [.. _scaledUp.Select(r => r.FirstConnectionWait).OfType<TimeSpan>()];
            }
        }
    }

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
            .ToDictionary(p => p.Metadata.Name, p => p.Metadata.Uid, StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var (name, uid) in serving.Where(p => !_running.ContainsKey(p.Key)))
            {
                var replica = _replicas.Start(new ReplicaPod(name, uid));
                _running[name] = replica;
                if (_counters.Recording)
                {
                    _scaledUp.Add(replica);
                }
            }

            foreach (var name in _running.Keys.Where(n => !serving.ContainsKey(n)).ToList())
            {
                _stopping.Add(_running[name].DisposeAsync().AsTask());
                _running.Remove(name);
            }

            _runningCount = _running.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        lock (_lock)
        {
            _stopping.AddRange(_running.Values.Select(r => r.DisposeAsync().AsTask()));
            _running.Clear();
            _runningCount = 0;
        }

        await Task.WhenAll(_stopping);
        _stop.Dispose();
    }
}

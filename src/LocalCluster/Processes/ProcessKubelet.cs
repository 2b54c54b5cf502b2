using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The kubelet of the local cluster's one "node" that runs pods as local processes: every pod with a
/// container whose image is mapped (<see cref="LocalClusterOptions.ProcessImages"/>) is run here,
/// whoever created it (the workload simulator, <c>kubectl run</c>, a test). A plain client of the API,
/// level-triggered like the simulator: pod watch events only wake it, each round lists the pods.
/// Disposing it kills every process it started, with their process groups.
/// </summary>
internal sealed class ProcessKubelet : IAsyncDisposable
{
    /// <summary>The node name the process pods report (<c>spec.nodeName</c> when the pod names none).</summary>
    public const string NodeName = "local-processes";

    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(5);

    private readonly IKubernetes _client;
    private readonly ProcessImageMap _images;
    private readonly Func<string, string, string, string> _writeKubeconfig;
    private readonly LoopbackAddressPool _addresses = new();
    private readonly ChangeSignal _signal = new();
    private readonly ConcurrentDictionary<string, ProcessPod> _pods = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    /// <param name="client">A client of the cluster, allowed to read pods, Secrets and ConfigMaps and write pod status.</param>
    /// <param name="images">What to run.</param>
    /// <param name="logs">Where the containers' output goes.</param>
    /// <param name="writeKubeconfig">Writes a kubeconfig for (namespace, service account) at a path; returns the path.</param>
    /// <param name="time">The clock for probes, back-off and grace periods.</param>
    /// <param name="logger">Where the kubelet logs.</param>
    public ProcessKubelet(IKubernetes client, ProcessImageMap images, PodLogStore logs, Func<string, string, string, string> writeKubeconfig, TimeProvider time, ILogger logger)
    {
        _client = client;
        _images = images;
        Logs = logs;
        _writeKubeconfig = writeKubeconfig;
        _time = time;
        _logger = logger;
        _directory = Path.Combine(Path.GetTempPath(), "poolop-local-pods-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>The containers' output.</summary>
    public PodLogStore Logs { get; }

    /// <summary>Starts watching pods.</summary>
    public void Start()
    {
        var token = _stopping.Token;
        _running = Task.WhenAll(Task.Run(() => RoundsAsync(token), token), Task.Run(() => WatchAsync(token), token));
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.KubeletStarted(string.Join(", ", _images.Images));
        }

    }

    /// <summary>Kills every process and removes the per-pod kubeconfig files.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loops end by cancellation.
        }

        await Task.WhenAll(_pods.Values.Select(p => p.KillAsync())).ConfigureAwait(false);
        _pods.Clear();
        try
        {
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }

        _stopping.Dispose();
    }

    private async Task RoundsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive a failed round; the next one starts from fresh state.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.RoundFailed(e);
            }

            try
            {
                await _signal.WaitAsync(Resync, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var pods = (await _client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(_images.Runs))
        {
            var uid = pod.Metadata.Uid ?? "";
            live.Add(uid);
            if (_pods.TryGetValue(uid, out var running))
            {
                running.Update(pod);
                continue;
            }

            var started = Take(pod);
            _pods[uid] = started;
            started.Start();
            started.Update(pod);
        }

        foreach (var (uid, pod) in _pods)
        {
            if (!live.Contains(uid))
            {
                pod.Abandon();
            }

            if (pod.Done)
            {
                _pods.TryRemove(uid, out _);
            }
        }
    }

    private ProcessPod Take(V1Pod pod)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var path = Path.Combine(_directory, ns, pod.Metadata.Name + "-" + pod.Metadata.Uid, "kubeconfig");
        var kubeconfig = _writeKubeconfig(ns, PodEnvironment.ServiceAccountOf(pod), path);
        return new ProcessPod(pod, _images, _client, _addresses, Logs, kubeconfig, _time, _logger);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var _ in _client.CoreV1.WatchListPodForAllNamespacesAsync(timeoutSeconds: 300, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    _signal.Notify();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A watch that ends for any reason is opened again; the rounds re-list meanwhile.
            catch (Exception)
#pragma warning restore CA1031
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            _signal.Notify();
        }
    }
}

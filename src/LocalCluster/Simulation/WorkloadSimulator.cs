using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Keeps the pods of every Deployment and StatefulSet at spec.replicas, the way the workload
/// controllers, the scheduler and the kubelet of a real cluster would: new pods are Pending, then
/// Running and Ready; excess pods are deleted with a grace period, stay Terminating, then go.
/// A template change rolls out (maxSurge/maxUnavailable for Deployments, one ordinal at a time for
/// StatefulSets), and each workload's status (replicas, readyReplicas, availableReplicas,
/// observedGeneration) is kept current.
/// </summary>
/// <remarks>
/// A pure client of the Kubernetes API, like kube-controller-manager: it works against any server.
/// Watches only wake it up; each round re-lists workloads and pods (pods in pages, trimmed to what it
/// reads) and acts on what it finds (level-triggered), so a missed or repeated event changes nothing.
/// </remarks>
public sealed class WorkloadSimulator : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);

    private readonly IKubernetes _client;
    private readonly WorkloadSimulatorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ChangeSignal _signal = new();
    private readonly PodClock _clock;
    private readonly SimulatedKubelet _kubelet;
    private readonly WorkloadController _controller;
    private CancellationTokenSource? _stopping;
    private Task _running = Task.CompletedTask;

    /// <summary>Creates a simulator; <see cref="Start"/> sets it going.</summary>
    /// <param name="client">A client of the cluster to simulate.</param>
    /// <param name="options">Timing and scope; validated here.</param>
    /// <param name="timeProvider">The clock for pending and grace periods.</param>
    /// <param name="logger">Where the simulator logs.</param>
    public WorkloadSimulator(IKubernetes client, WorkloadSimulatorOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _client = client;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _clock = new PodClock(timeProvider);
        _kubelet = new SimulatedKubelet(client, options, _clock, logger);
        _controller = new WorkloadController(client, _kubelet, _clock, logger);
    }

    private bool AllNamespaces => _options.Namespaces is null || _options.Namespaces.Count == 0;

    /// <summary>Starts watching and simulating in the background.</summary>
    /// <exception cref="InvalidOperationException">It was already started.</exception>
    public void Start()
    {
        if (_stopping is not null)
        {
            throw new InvalidOperationException("The workload simulator was already started.");
        }

        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        var loops = new List<Task> { Task.Run(() => RunRoundsAsync(token), token) };
        foreach (var scope in AllNamespaces ? [null] : _options.Namespaces!.Select(n => (string?)n))
        {
            loops.Add(Task.Run(() => WatchAsync("deployments", ct => WatchDeployments(scope, ct), token), token));
            loops.Add(Task.Run(() => WatchAsync("statefulsets", ct => WatchStatefulSets(scope, ct), token), token));
            loops.Add(Task.Run(() => WatchAsync("pods", ct => WatchPods(scope, ct), token), token));
        }

        _running = Task.WhenAll(loops);
        _logger.SimulatorStarted(AllNamespaces ? "all" : string.Join(",", _options.Namespaces!), _options.PendingDuration, _options.TerminationGracePeriod);
    }

    /// <summary>Stops the simulator and waits for its loops to end. Pods stay as they are.</summary>
    public async Task StopAsync()
    {
        if (_stopping is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is the expected way for the loops to end.
        }

        _logger.SimulatorStopped();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping?.Dispose();
    }

    private async Task RunRoundsAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset? due;
            try
            {
                due = await RunRoundAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive any failure of one round: it retries from fresh state.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                var delay = Backoff(failures);
                _logger.RoundFailed(e, delay);
                due = _clock.Now + delay;
            }

            var wait = _options.ResyncPeriod;
            if (due is { } next)
            {
                var untilDue = next - _clock.Now;
                wait = untilDue <= TimeSpan.Zero ? TimeSpan.Zero : untilDue < wait ? untilDue : wait;
            }

            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await _signal.WaitAsync(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One level-triggered pass over all workloads.</summary>
    /// <returns>When the next time-based change (a pod turning Running, a grace period ending) is due.</returns>
    private async Task<DateTimeOffset?> RunRoundAsync(CancellationToken cancellationToken)
    {
        // Workloads before pods: a pod listed here was made for a workload listed here or one since deleted.
        var deployments = new List<V1Deployment>();
        var statefulSets = new List<V1StatefulSet>();
        var pods = new List<V1Pod>();
        foreach (var scope in AllNamespaces ? [null] : _options.Namespaces!.Select(n => (string?)n))
        {
            deployments.AddRange((scope is null
                ? await _client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.AppsV1.ListNamespacedDeploymentAsync(namespaceParameter: scope, cancellationToken: cancellationToken).ConfigureAwait(false)).Items);
            statefulSets.AddRange((scope is null
                ? await _client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.AppsV1.ListNamespacedStatefulSetAsync(namespaceParameter: scope, cancellationToken: cancellationToken).ConfigureAwait(false)).Items);
            pods.AddRange(await ListPodsAsync(scope, cancellationToken).ConfigureAwait(false));
        }

        var live = pods.Select(p => p.Metadata.Uid ?? "").ToHashSet(StringComparer.Ordinal);
        _clock.Retain(live);
        _kubelet.Retain(live);

        // Pods by their controller's uid, once per round: matching every pod against every workload
        // is 10 million checks a round at 1,000 workloads of 10 pods.
        var byOwner = pods
            .Select(p => (Pod: p, Owner: p.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid))
            .Where(x => x.Owner is not null)
            .ToLookup(x => x.Owner!, x => x.Pod, StringComparer.Ordinal);

        // Workloads are independent: up to RoundParallelism of them are tended at once, so that a
        // round of 1,000 workloads is not 10,000 writes one after the other.
        var work = deployments
            .Select(d => (Workload: SimulatedWorkload.From(d), Reconcile: (Func<IReadOnlyList<V1Pod>, Task>)(owned => _controller.ReconcileAsync(d, owned, cancellationToken))))
            .Concat(statefulSets.Select(s => (Workload: SimulatedWorkload.From(s), Reconcile: (Func<IReadOnlyList<V1Pod>, Task>)(owned => _controller.ReconcileAsync(s, owned, cancellationToken)))));
        DateTimeOffset? due = null;
        var gate = new Lock();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = RoundParallelism, CancellationToken = cancellationToken }, async (item, _) =>
        {
            var next = await SimulateAsync(item.Workload, byOwner[item.Workload.Uid], item.Reconcile, cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                due = Earliest(due, next);
            }
        }).ConfigureAwait(false);

        return due;
    }

    /// <summary>
    /// Every pod in scope, a page at a time, each trimmed to what the simulator reads: a round at
    /// 10,000 pods of 8 KB held every pod's env and probes whole (about 200 MB of objects) until it ended.
    /// </summary>
    private async Task<List<V1Pod>> ListPodsAsync(string? scope, CancellationToken cancellationToken)
    {
        var pods = new List<V1Pod>();
        string? next = null;
        do
        {
            var page = scope is null
                ? await _client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, limit: PodPageSize, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.CoreV1.ListNamespacedPodAsync(namespaceParameter: scope, continueParameter: next, limit: PodPageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            pods.AddRange(page.Items.Select(Trim));
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        return pods;
    }

    /// <summary>A pod as the simulator reads it: metadata, status, and of the spec each container's name and image.</summary>
    private static V1Pod Trim(V1Pod pod) => new()
    {
        ApiVersion = pod.ApiVersion,
        Kind = pod.Kind,
        Metadata = pod.Metadata,
        Status = pod.Status,
        Spec = pod.Spec is not { } spec ? null : new V1PodSpec
        {
            Containers = spec.Containers?.Select(c => new V1Container { Name = c.Name, Image = c.Image }).ToList() ?? [],
        },
    };

    /// <summary>Tends one workload's pods, then reconciles the workload; a failure stays with this workload.</summary>
    private async Task<DateTimeOffset?> SimulateAsync(SimulatedWorkload workload, IEnumerable<V1Pod> pods, Func<IReadOnlyList<V1Pod>, Task> reconcile, CancellationToken cancellationToken)
    {
        try
        {
            var owned = pods.Where(workload.Owns).ToList();
            DateTimeOffset? due = null;
            foreach (var pod in owned)
            {
                due = Earliest(due, await _kubelet.TendAsync(pod, cancellationToken).ConfigureAwait(false));
            }

            await reconcile(owned).ConfigureAwait(false);
            return due;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // One broken workload must not stop the others; it is retried soon.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.WorkloadFailed(e, workload.Kind, workload.Namespace, workload.Name);
            return _clock.Now + MinBackoff;
        }
    }

    /// <summary>Keeps a watch open and turns every event (and every reconnect) into a wake-up.</summary>
    private async Task WatchAsync<T>(string resource, Func<CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? ended = null;
            try
            {
                await foreach (var _ in watch(cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    _signal.Notify();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A watch that ends for any reason is opened again; the rounds re-list meanwhile.
            catch (Exception e)
#pragma warning restore CA1031
            {
                ended = e;
                failures++;
            }

            _logger.WatchEnded(ended, resource);

            // Whatever happened while the watch was down, the next round sees it.
            _signal.Notify();
            if (failures > 0)
            {
                try
                {
                    // Reconnecting is I/O against a real server: it waits in real time, so a test's
                    // manual clock (which drives pending and grace periods) cannot freeze it.
                    await Task.Delay(Backoff(failures), TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    // Watches without a resourceVersion: the server replays the current state as ADDED events first,
    // which is one more wake-up and never a missed change. The timeout makes the watch cycle now and then.
    private IAsyncEnumerable<(WatchEventType, V1Deployment)> WatchDeployments(string? scope, CancellationToken ct) => scope is null
        ? _client.AppsV1.WatchListDeploymentForAllNamespacesAsync(timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct)
        : _client.AppsV1.WatchListNamespacedDeploymentAsync(namespaceParameter: scope, timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct);

    private IAsyncEnumerable<(WatchEventType, V1StatefulSet)> WatchStatefulSets(string? scope, CancellationToken ct) => scope is null
        ? _client.AppsV1.WatchListStatefulSetForAllNamespacesAsync(timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct)
        : _client.AppsV1.WatchListNamespacedStatefulSetAsync(namespaceParameter: scope, timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct);

    private IAsyncEnumerable<(WatchEventType, V1Pod)> WatchPods(string? scope, CancellationToken ct) => scope is null
        ? _client.CoreV1.WatchListPodForAllNamespacesAsync(timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct)
        : _client.CoreV1.WatchListNamespacedPodAsync(namespaceParameter: scope, timeoutSeconds: WatchTimeoutSeconds, cancellationToken: ct);

    private const int WatchTimeoutSeconds = 300;

    private const int PodPageSize = 500;

    // A real cluster's kubelets work on every node at once. Each workload's pods are tended one
    // request after another, so with 8 lanes the fill of 1,000 workloads was bound by round-trip
    // latency (about 150 writes a second at 10,000 pods with the server half idle); 32 lanes keep the
    // server busy instead.
    private const int RoundParallelism = 32;

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 10))));

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}

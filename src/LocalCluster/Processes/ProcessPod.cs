using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// One pod the process kubelet runs: its loopback address, its service-account kubeconfig, a
/// <see cref="ContainerRunner"/> per container, and its status written through <c>/status</c> whenever it
/// changes. On deletion it stops the containers (SIGTERM, SIGKILL after the grace period) and then
/// removes the pod object, as the kubelet confirms a deletion.
/// </summary>
#pragma warning disable CA1001 // Its token sources have no timers; tasks may still hold their tokens after the pod is gone, so they are left to the GC.
internal sealed class ProcessPod
#pragma warning restore CA1001
{
    private const long DefaultGraceSeconds = 30;

    private readonly IKubernetes _client;
    private readonly PodEnvironment _environment;
    private readonly LoopbackAddressPool _addresses;
    private readonly ChangeSignal _changed = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _gone = new();
    private readonly List<ContainerRunner> _containers;
    private readonly string _kubeconfigPath;
    private readonly DateTime _startTime;
    private V1Pod _pod;
    private Task _running = Task.CompletedTask;
    private Task? _terminating;

    public ProcessPod(V1Pod pod, ProcessImageMap images, IKubernetes client, LoopbackAddressPool addresses, PodLogStore logs, string kubeconfigPath, TimeProvider time, ILogger logger)
    {
        _pod = pod;
        _client = client;
        _addresses = addresses;
        _kubeconfigPath = kubeconfigPath;
        Logs = logs;
        Time = time;
        Logger = logger;
        Namespace = pod.Metadata.NamespaceProperty ?? "default";
        Name = pod.Metadata.Name;
        Uid = pod.Metadata.Uid ?? "";
        Key = Namespace + "/" + Name;
        PodIp = addresses.Allocate();
        _startTime = time.GetUtcNow().UtcDateTime;
        _environment = new PodEnvironment(LookupAsync);
        _containers = (pod.Spec?.Containers ?? []).Select(c => new ContainerRunner(this, c, images.CommandFor(c.Image) ?? [])).ToList();
    }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    /// <summary>namespace/name, for logs.</summary>
    public string Key { get; }

    /// <summary>The pod's loopback address (status.podIP).</summary>
    public string PodIp { get; }

    /// <summary>The pod as last listed.</summary>
    public V1Pod Pod => Volatile.Read(ref _pod);

    public PodLogStore Logs { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>True once the pod has stopped for good (deleted, or the server going away).</summary>
    public bool Done => _running.IsCompleted;

    /// <summary>The pod's terminationGracePeriodSeconds (default 30 s), used for liveness kills.</summary>
    public TimeSpan TerminationGracePeriod => TimeSpan.FromSeconds(Pod.Spec?.TerminationGracePeriodSeconds ?? DefaultGraceSeconds);

    /// <summary>Starts every container (mapped ones as processes) and the status writer.</summary>
    public void Start()
    {
        foreach (var container in _containers.Where(c => c.HasCommand))
        {
            container.Start(_stopping.Token);
        }

        _running = Task.WhenAll(_containers.Select(c => c.WhenFinished).Append(Task.Run(ReportLoopAsync)));
    }

    /// <summary>Takes a newer listing of the pod; a deletionTimestamp starts termination.</summary>
    public void Update(V1Pod pod)
    {
        Volatile.Write(ref _pod, pod);
        if (pod.Metadata.DeletionTimestamp is not null && _terminating is null)
        {
            var grace = TimeSpan.FromSeconds(Math.Max(0, pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? DefaultGraceSeconds));
            _terminating = Task.Run(() => TerminateAsync(grace, removePod: true));
        }
    }

    /// <summary>The pod object is gone (removed by someone else): stop the containers with a short grace.</summary>
    public void Abandon()
    {
        _gone.Cancel();
        _terminating ??= Task.Run(() => TerminateAsync(TimeSpan.FromSeconds(2), removePod: false));
    }

    /// <summary>Kills every process at once and waits until they are gone (the server is going away).</summary>
    public async Task KillAsync()
    {
        await _gone.CancelAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var container in _containers)
        {
            container.Kill();
        }

        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the writer stops with the pod.
        }

        _addresses.Release(PodIp);
    }

    /// <summary>Wakes the status writer.</summary>
    public void Notify() => _changed.Notify();

    /// <summary>The container's environment: the pod's, plus KUBECONFIG for its service account.</summary>
    public async Task<Dictionary<string, string>> EnvironmentForAsync(V1Container container, CancellationToken cancellationToken)
    {
        var variables = await _environment.ResolveAsync(Pod, container, PodIp, cancellationToken).ConfigureAwait(false);
        variables["KUBECONFIG"] = _kubeconfigPath;
        return variables;
    }

    private async Task TerminateAsync(TimeSpan grace, bool removePod)
    {
        Logger.PodStopping(Key, grace);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_containers.Select(c => c.StopAsync(grace))).ConfigureAwait(false);
        Notify();
        await Task.WhenAll(_containers.Select(c => c.WhenFinished)).ConfigureAwait(false);
        if (removePod && !_gone.IsCancellationRequested)
        {
            await ReportAsync(CancellationToken.None).ConfigureAwait(false);
            await DeleteAsync().ConfigureAwait(false);
        }

        await _gone.CancelAsync().ConfigureAwait(false);
        Notify();
        _addresses.Release(PodIp);
        Logs.Remove(Namespace, Name);
    }

    private async Task DeleteAsync()
    {
        try
        {
            // The kubelet's confirmation: grace 0, and only this pod (a namesake may follow a StatefulSet pod).
            var body = new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = Uid } };
            await _client.CoreV1.DeleteNamespacedPodAsync(Name, Namespace, body, gracePeriodSeconds: 0).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Already gone.
        }
#pragma warning disable CA1031 // The server may be stopping; nothing is left to do for this pod then.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Logger.StatusFailed(e, Key);
        }
    }

    private readonly SemaphoreSlim _reportGate = new(1, 1);
    private V1PodStatus? _reported;
    private string? _reportedJson;

    private async Task ReportLoopAsync()
    {
        var token = _gone.Token;
        while (!token.IsCancellationRequested)
        {
            await ReportAsync(token).ConfigureAwait(false);
            try
            {
                await _changed.WaitAsync(TimeSpan.FromSeconds(5), Time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        await _reportGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await WriteStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reportGate.Release();
        }
    }

    private async Task WriteStatusAsync(CancellationToken cancellationToken)
    {
        var statuses = _containers.Select(c => c.Status()).ToList();
        var finished = _containers.All(c => c.Finished || !c.HasCommand);
        var terminating = Pod.Metadata.DeletionTimestamp is not null || _stopping.IsCancellationRequested;
        var status = ProcessPodStatus.Build(statuses, finished, terminating, PodIp, _startTime, _reported, Time.GetUtcNow().UtcDateTime);
        var json = KubernetesJson.Serialize(status);
        if (json == _reportedJson)
        {
            return;
        }

        try
        {
            var patch = new V1Patch("{\"status\":" + json + "}", V1Patch.PatchType.MergePatch);
            await _client.CoreV1.PatchNamespacedPodStatusAsync(patch, Name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            _reported = status;
            _reportedJson = json;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            _gone.Cancel();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
#pragma warning disable CA1031 // A failed write is retried on the next change or within seconds.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Logger.StatusFailed(e, Key);
        }
    }

    private async Task<IReadOnlyDictionary<string, string>?> LookupAsync(string kind, string name, CancellationToken cancellationToken)
    {
        try
        {
            if (kind == "Secret")
            {
                var secret = await _client.CoreV1.ReadNamespacedSecretAsync(name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                var values = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);
                foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
                {
                    values[key] = value;
                }

                return values;
            }

            var map = await _client.CoreV1.ReadNamespacedConfigMapAsync(name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new Dictionary<string, string>(map.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}

using System.ComponentModel;
using k8s.Models;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// One container of a process pod, for the pod's life: starts its process, probes it, restarts it by the
/// pod's <c>restartPolicy</c> with the kubelet's back-off, and keeps the container's status
/// (state, lastState, restartCount, ready) for the pod to report.
/// </summary>
internal sealed class ContainerRunner
{
    private static readonly TimeSpan ConfigRetry = TimeSpan.FromSeconds(2);

    private readonly ProcessPod _pod;
    private readonly V1Container _spec;
    private readonly IReadOnlyList<string> _command;
    private readonly RestartBackoff _backoff = RestartBackoff.Kubelet();
    private readonly Lock _gate = new();
    private ChildProcess? _child;
    private V1ContainerState _state = new() { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
    private V1ContainerState? _lastState;
    private int _restartCount;
    private bool _ready;

    public ContainerRunner(ProcessPod pod, V1Container spec, IReadOnlyList<string> command)
    {
        _pod = pod;
        _spec = spec;
        _command = command;
        if (command.Count == 0)
        {
            // A pod runs as processes when one of its containers' images is mapped; the others cannot run.
            _state = Waiting("ImageNotMapped", $"image {spec.Image} is not mapped to a command: start the local cluster with --run {spec.Image}=COMMAND");
        }
    }

    /// <summary>True when the container's image is mapped to a command.</summary>
    public bool HasCommand => _command.Count > 0;

    /// <summary>Completes when the container will not run again.</summary>
    public Task WhenFinished { get; private set; } = Task.CompletedTask;

    /// <summary>Starts running the container in the background until <paramref name="stopping"/> or its restart policy ends it.</summary>
    public void Start(CancellationToken stopping) => WhenFinished = Task.Run(() => RunAsync(stopping), CancellationToken.None);

    /// <summary>The container's name.</summary>
    public string Name => _spec.Name;

    /// <summary>True once the container will not run again (its restart policy says so, or the pod is stopping).</summary>
    public bool Finished { get; private set; }

    /// <summary>The container's status as the kubelet reports it.</summary>
    public V1ContainerStatus Status()
    {
        lock (_gate)
        {
            return new V1ContainerStatus
            {
                Name = _spec.Name,
                Image = _spec.Image ?? "",
                ImageID = "",
                ContainerID = _child is { } child && _state.Running is not null ? "process://" + child.Id : null,
                Ready = _ready,
                Started = _state.Running is not null,
                RestartCount = _restartCount,
                State = _state,
                LastState = _lastState ?? new V1ContainerState(),
            };
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var terminated = await RunOnceAsync(stopping).ConfigureAwait(false);
                if (terminated is null)
                {
                    continue;
                }

                if (stopping.IsCancellationRequested || !ShouldRestart(terminated.ExitCode))
                {
                    SetState(new V1ContainerState { Terminated = terminated }, ready: false);
                    return;
                }

                var ranFor = (terminated.FinishedAt ?? Now) - (terminated.StartedAt ?? Now);
                var delay = _backoff.Next(ranFor);
                lock (_gate)
                {
                    _lastState = new V1ContainerState { Terminated = terminated };
                }

                if (delay > TimeSpan.Zero)
                {
                    var meta = _pod.Pod.Metadata;
                    SetState(Waiting("CrashLoopBackOff", $"back-off {delay.TotalSeconds:0}s restarting failed container={Name} pod={meta.Name}_{meta.NamespaceProperty}({meta.Uid})"), ready: false);
                    await Task.Delay(delay, _pod.Time, stopping).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    _restartCount++;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The pod is stopping while this container waited to (re)start.
        }
        finally
        {
            Finished = true;
            _pod.Notify();
        }
    }

    /// <summary>Stops the running process: SIGTERM to its group, SIGKILL once <paramref name="grace"/> has passed.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        ChildProcess? child;
        lock (_gate)
        {
            child = _child;
        }

        if (child is null)
        {
            return;
        }

        child.Terminate();
        if (await Task.WhenAny(child.Exited, Task.Delay(grace, _pod.Time)).ConfigureAwait(false) != child.Exited)
        {
            _pod.Logger.ContainerKilled(_pod.Key, Name, grace);
            child.Kill();
        }

        await child.Exited.ConfigureAwait(false);
    }

    /// <summary>Kills the process group at once, for the server going away.</summary>
    public void Kill()
    {
        lock (_gate)
        {
            _child?.Kill();
        }
    }

    /// <summary>One run of the process; null when it could not be configured (and should be tried again).</summary>
    private async Task<V1ContainerStateTerminated?> RunOnceAsync(CancellationToken stopping)
    {
        Dictionary<string, string> environment;
        try
        {
            environment = await _pod.EnvironmentForAsync(_spec, stopping).ConfigureAwait(false);
        }
        catch (ContainerConfigException e)
        {
            // As the kubelet: the container waits, with the reason, and is tried again until the pod goes.
            SetState(Waiting("CreateContainerConfigError", e.Message), ready: false);
            await Task.Delay(ConfigRetry, _pod.Time, stopping).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            // Reading a Secret or ConfigMap failed for another reason than absence: try again soon.
            _pod.Logger.StatusFailed(e, _pod.Key);
            await Task.Delay(ConfigRetry, _pod.Time, stopping).ConfigureAwait(false);
            return null;
        }

        var argv = _command.Concat((_spec.Args ?? []).Select(a => EnvironmentExpansion.Expand(a, environment))).ToList();
        var log = _pod.Logs.StartRun(_pod.Namespace, _pod.Name, Name);
        var started = Now;
        ChildProcess child;
        try
        {
            // Under the lock, so a stop either sees this process or this start sees the stop.
            lock (_gate)
            {
                if (stopping.IsCancellationRequested)
                {
                    log.Complete();
                    return null;
                }

                child = ChildProcess.Start(argv, environment, log);
                _child = child;
            }
        }
        catch (Win32Exception e)
        {
            log.Append($"failed to start {argv[0]}: {e.Message}");
            log.Complete();
            return new V1ContainerStateTerminated { ExitCode = 128, Reason = "StartError", Message = $"{argv[0]}: {e.Message}", StartedAt = started, FinishedAt = Now };
        }

        if (_pod.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            _pod.Logger.ContainerStarted(_pod.Key, Name, child.Id, string.Join(' ', argv));
        }


        SetState(new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = started } }, ready: _spec.ReadinessProbe is null);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var probes = Task.WhenAll(
            _spec.ReadinessProbe is { } readiness ? ProbeAsync(readiness, liveness: false, run.Token) : Task.CompletedTask,
            _spec.LivenessProbe is { } liveness ? ProbeAsync(liveness, liveness: true, run.Token) : Task.CompletedTask);
        var exitCode = await child.Exited.ConfigureAwait(false);
        await run.CancelAsync().ConfigureAwait(false);
        await probes.ConfigureAwait(false);
        log.Complete();
        lock (_gate)
        {
            _child = null;
        }

        child.Dispose();
        _pod.Logger.ContainerExited(_pod.Key, Name, exitCode);
        return new V1ContainerStateTerminated
        {
            ExitCode = exitCode,
            Reason = exitCode == 0 ? "Completed" : "Error",
            StartedAt = started,
            FinishedAt = Now,
        };
    }

    private async Task ProbeAsync(V1Probe probe, bool liveness, CancellationToken cancellationToken)
    {
        var state = new ProbeState(initiallySucceeding: liveness, probe.SuccessThreshold ?? 1, probe.FailureThreshold ?? 3);
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0)), _pod.Time, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                var passed = await HttpProbe.CheckAsync(probe, _spec, _pod.PodIp, cancellationToken).ConfigureAwait(false);
                if (state.Record(passed))
                {
                    _pod.Logger.ProbeFlipped(_pod.Key, Name, liveness ? "liveness" : "readiness", state.Succeeding);
                    if (liveness)
                    {
                        // As the kubelet: a failed liveness probe kills the container; its restart policy decides the rest.
                        await StopAsync(_pod.TerminationGracePeriod).ConfigureAwait(false);
                        return;
                    }

                    SetReady(state.Succeeding);
                }

                await Task.Delay(period, _pod.Time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private bool ShouldRestart(int exitCode) => _pod.Pod.Spec?.RestartPolicy switch
    {
        "Never" => false,
        "OnFailure" => exitCode != 0,
        _ => true,
    };

    private void SetReady(bool ready)
    {
        lock (_gate)
        {
            _ready = ready && _state.Running is not null;
        }

        _pod.Notify();
    }

    private void SetState(V1ContainerState state, bool ready)
    {
        lock (_gate)
        {
            _state = state;
            _ready = ready;
        }

        _pod.Notify();
    }

    private DateTime Now => _pod.Time.GetUtcNow().UtcDateTime;

    private static V1ContainerState Waiting(string reason, string message) =>
        new() { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };
}

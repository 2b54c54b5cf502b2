using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Npgsql;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Simulation;
using PoolOperator.Operator.Hosting;
using PoolOperator.ScaleStorm.Infrastructure;
using PoolOperator.ScaleStorm.Load;
using PoolOperator.ScaleStorm.Measurement;
using PoolOperator.ScaleStorm.Modes;
using PoolOperator.ScaleStorm.Reporting;

namespace PoolOperator.ScaleStorm;

/// <summary>
/// Runs one mode of the storm: a fresh in-process cluster, the application's replicas following its
/// pods, a scripted HPA, and the measurements (53300 errors, server connections, throughput, latency,
/// and in PoolOperator mode the time from each scale decision until every pod has acknowledged).
/// Replicas connect with <c>serverConnectionString</c> (an ordinary role); the sampler with the
/// superuser <c>adminConnectionString</c>, so it still gets in when the ordinary slots are full.
/// </summary>
internal sealed class StormRunner(StormOptions options, string serverConnectionString, string adminConnectionString, ILoggerFactory loggers, IStormProgress progress, string? goReplicaBinary = null)
{
    /// <summary>How long the initial replicas may take to start and connect before the run is abandoned.</summary>
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(60);

    /// <summary>How long, after they connected, the initial replicas may take to fill what they can use.</summary>
    private static readonly TimeSpan FillLimit = TimeSpan.FromSeconds(10);

    /// <summary>One run of one mode; <paramref name="run"/> is which repetition it is (1-based), for the live view.</summary>
    public async Task<ModeResult> RunAsync(StormMode mode, int run, CancellationToken cancellationToken)
    {
        var script = HpaScript.Parse(options.Script);
        var initial = script.Steps[0].Replicas;
        var maxReplicas = script.Steps.Max(s => s.Replicas);
        var counters = new StormCounters();
        var label = Label(mode, options.Agent);

        await using var cluster = await StormCluster.StartAsync(initial, maxReplicas, options.PodStart, options.PodStop, loggers, cancellationToken);
        await using var bouncer = mode == StormMode.PgBouncer
            ? await PgBouncerServer.StartAsync(new NpgsqlConnectionStringBuilder(serverConnectionString), options.Available, cancellationToken)
            : null;
        await using var operatorHost = mode == StormMode.PoolOperator ? await StartOperatorAsync(cluster, cancellationToken) : null;

        using var kubeconfig = new TemporaryFile(cluster.Server, mode == StormMode.PoolOperator && options.Agent != AgentKind.DotNet);
        var replicaFactory = Replicas(mode, cluster, bouncer, initial, counters, kubeconfig.Path);
        var clock = Stopwatch.StartNew();
        var acknowledged = new List<TimeSpan>();
        var steps = new List<ScaleStep>();
        IReadOnlyList<TimeSpan> firstConnections;
        ConnectionSampler? sampler = null;
        TimeSpan origin;
        TimeSpan elapsed;
        long completed;
        try
        {
            await using (var fleet = new ReplicaFleet(cluster.Client, StormApplication.Namespace, StormApplication.Selector, replicaFactory, options, counters))
            {
                sampler = new ConnectionSampler(adminConnectionString, TimeSpan.FromMilliseconds(5), () => fleet.Demand);
                await sampler.OpenAsync(cancellationToken);
                sampler.Start(clock);
                fleet.Start();

                // The initial pods start like the others (pod-start); measuring begins once they all serve.
                await WaitForWarmUpAsync(fleet, sampler, initial, clock, cancellationToken);
                origin = clock.Elapsed;
                counters.StartRecording();
                var driver = new HpaDriver(cluster.Client, StormApplication.Namespace, StormApplication.Hpa, TimeProvider.System, loggers.CreateLogger<HpaDriver>());
                using var progressTimer = new Timer(
                    _ => progress.Report(Snapshot(label, run, clock.Elapsed - origin, fleet, sampler, counters)),
                    null,
                    TimeSpan.FromMilliseconds(250),
                    TimeSpan.FromMilliseconds(progress.Interval.TotalMilliseconds));
                var settling = new List<Task<TimeSpan?>>();
                for (var i = 0; i < script.Steps.Count; i++)
                {
                    var step = script.Steps[i];
                    var wait = origin + step.Offset - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken);
                    }

                    var decided = clock.Elapsed;
                    var replicas = await driver.SetReplicasAsync(step.Replicas, cancellationToken);
                    steps.Add(new ScaleStep(decided - origin, replicas));
                    if (mode == StormMode.PoolOperator && i > 0)
                    {
                        var next = origin + (i + 1 < script.Steps.Count ? script.Steps[i + 1].Offset : options.Duration);
                        settling.Add(WaitUntilAcknowledgedAsync(cluster, replicas, clock, decided, next, cancellationToken));
                    }
                }

                var remaining = origin + options.Duration - clock.Elapsed;
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(remaining, cancellationToken);
                }

                // Throughput over the measured span only: queries finishing while the replicas stop do not count.
                elapsed = clock.Elapsed - origin;
                completed = counters.Completed;

                acknowledged.AddRange((await Task.WhenAll(settling)).OfType<TimeSpan>());
                firstConnections = fleet.FirstConnectionWaits;
                progress.Report(Snapshot(label, run, clock.Elapsed - origin, fleet, sampler, counters));
            }
        }
        finally
        {
            if (sampler is not null)
            {
                await sampler.DisposeAsync();
            }
        }

        if (counters.FirstOtherError is { } error)
        {
            progress.Note($"[{label} #{run}] first error other than 53300: {error}");
        }

        // The measured part of the timeline starts at the origin; the warm-up counts only for the peak.
        var timeline = sampler.Timeline
            .Where(p => p.At >= origin && p.At <= origin + options.Duration)
            .Select(p => p with { At = p.At - origin })
            .ToList();
        var measured = TimeSpan.FromTicks(Math.Min(elapsed.Ticks, options.Duration.Ticks));
        return new ModeResult(
            label,
            options.Available,
            measured,
            counters.TooManyClients,
            counters.OtherErrors,
            counters.FirstOtherError,
            sampler.Peak,
            completed / elapsed.TotalSeconds,
            counters.Latency.Percentile(50),
            counters.Latency.Percentile(99),
            acknowledged,
            firstConnections,
            steps,
            timeline);
    }

    /// <summary>
    /// Until the initial replicas all run and have connected, and the server's connections have
    /// reached what they can use (a pooler opens its server pool gradually); the second wait is
    /// bounded: a mode that never gets there starts measuring anyway, and shows it.
    /// </summary>
    private async Task WaitForWarmUpAsync(ReplicaFleet fleet, ConnectionSampler sampler, int initial, Stopwatch clock, CancellationToken cancellationToken)
    {
        var limit = clock.Elapsed + WarmUpLimit;
        while (!(fleet.Running >= initial && fleet.AllConnected))
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"the initial {initial} replicas did not all start and connect within {WarmUpLimit.TotalSeconds:F0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        var filled = clock.Elapsed + FillLimit;
        while (sampler.Latest < Math.Min(options.Available, fleet.Demand) && clock.Elapsed < filled)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private StormSnapshot Snapshot(string label, int run, TimeSpan at, ReplicaFleet fleet, ConnectionSampler sampler, StormCounters counters) =>
        new(label, run, at, fleet.Running, sampler.Latest, sampler.Peak, options.Available, counters.TooManyClients, counters.Completed);

    public static string Label(StormMode mode, AgentKind agent = AgentKind.DotNet) => mode switch
    {
        StormMode.Static => "static pools",
        StormMode.PgBouncer => "PgBouncer",
        _ => agent switch
        {
            AgentKind.Go => "PoolOperator (Go)",
            AgentKind.Mixed => "PoolOperator (.NET + Go)",
            _ => "PoolOperator",
        },
    };

    private IReplicaFactory Replicas(StormMode mode, StormCluster cluster, PgBouncerServer? bouncer, int initialReplicas, StormCounters counters, string? kubeconfig)
    {
        var dotnet = new DotNetReplicas(Pools(mode, cluster, bouncer, initialReplicas), options, counters);
        if (mode != StormMode.PoolOperator || options.Agent == AgentKind.DotNet)
        {
            return dotnet;
        }

        var binary = goReplicaBinary ?? throw new InvalidOperationException("--agent go and mixed need the Go replica built (GoReplicaBuild)");
        var query = options.QueryDuration == TimeSpan.Zero ? "SELECT 1" : FormattableString.Invariant($"SELECT pg_sleep({options.QueryDuration.TotalSeconds})");
        var go = new GoReplicas(
            new GoReplicaSettings(binary, kubeconfig!, GoReplicaSettings.DsnOf(serverConnectionString), options.Available, options.WorkersPerReplica, query, options.PodStop),
            counters);
        return options.Agent == AgentKind.Go ? go : new MixedReplicas(dotnet, go);
    }

    /// <summary>A kubeconfig for the run's cluster, for Go replicas; removed with the run.</summary>
    private sealed class TemporaryFile : IDisposable
    {
        public TemporaryFile(PoolOperator.LocalCluster.LocalKubernetesServer server, bool needed)
        {
            if (needed)
            {
                Path = server.WriteKubeconfig(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"scale-storm-{Guid.NewGuid():N}.kubeconfig"));
            }
        }

        public string? Path { get; }

        public void Dispose()
        {
            if (Path is not null)
            {
                File.Delete(Path);
            }
        }
    }

    private IReplicaPools Pools(StormMode mode, StormCluster cluster, PgBouncerServer? bouncer, int initialReplicas)
    {
        // Static pools are sized for the starting replica count: the classic "90 across 3: 30 each".
        var staticSize = Math.Max(1, options.Available / initialReplicas);
        return mode switch
        {
            StormMode.Static => new StaticPools(serverConnectionString, staticSize, throughPgBouncer: false, options.NoResetOnClose),
            StormMode.PgBouncer => new StaticPools(
                new NpgsqlConnectionStringBuilder(serverConnectionString) { Host = "127.0.0.1", Port = bouncer!.Port }.ConnectionString,
                options.WorkersPerReplica,
                throughPgBouncer: true),
            _ => new AgentPools(serverConnectionString, cluster.Client, StormApplication.Namespace, StormApplication.Budget, options.Available, options.PodStop, options.NoResetOnClose, loggers),
        };
    }

    private async Task<OperatorProcess> StartOperatorAsync(StormCluster cluster, CancellationToken cancellationToken)
    {
        await cluster.CreateBudgetAsync(options.MaxConnections, options.ReservedConnections, cancellationToken);
        var app = OperatorHost.Build(
            [],
            cluster.Server.CreateClientConfiguration(),
            new Dictionary<string, string?>
            {
                ["Operator:HttpPort"] = "0",
                ["Operator:LeaderElection:Enabled"] = "false",
                ["Operator:WatchNamespaces:0"] = StormApplication.Namespace,
                ["Logging:LogLevel:Default"] = "Warning",
            },
            logging => logging.ClearProviders().AddProvider(new ForwardingLoggerProvider(loggers)));
        await app.StartAsync(cancellationToken);
        return new OperatorProcess(app);
    }

    /// <summary>
    /// Polls the budget until its status says every pod of the new replica count holds an
    /// acknowledged grant at its target (Ready), or until the next decision makes the question moot.
    /// </summary>
    private static async Task<TimeSpan?> WaitUntilAcknowledgedAsync(StormCluster cluster, int replicas, Stopwatch clock, TimeSpan decided, TimeSpan deadline, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < deadline)
        {
            var budget = await cluster.ReadBudgetAsync(cancellationToken);
            var status = budget.Status;
            var ready = status?.Conditions?.Any(c => c.Type == BudgetConditionTypes.Ready && c.Status == "True") == true;
            if (ready && status!.Pods == replicas && status.Workloads?.FirstOrDefault()?.DesiredReplicas == replicas)
            {
                return clock.Elapsed - decided;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }

        return null;
    }

    /// <summary>The operator running in-process for one mode.</summary>
    private sealed class OperatorProcess(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
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

namespace PoolOperator.ScaleStorm;

/// <summary>
/// Runs one mode of the storm: a fresh in-process cluster, the application's replicas following its
/// pods, a scripted HPA, and the measurements (53300 errors, server connections, throughput, latency,
/// and in PoolOperator mode the time from each scale decision until every pod has acknowledged).
/// Replicas connect with <c>serverConnectionString</c> (an ordinary role); the sampler with the
/// superuser <c>adminConnectionString</c>, so it still gets in when the ordinary slots are full.
/// </summary>
internal sealed class StormRunner(StormOptions options, string serverConnectionString, string adminConnectionString, ILoggerFactory loggers, TextWriter progress)
{
    public async Task<ModeResult> RunAsync(StormMode mode, CancellationToken cancellationToken)
    {
        var script = HpaScript.Parse(options.Script);
        var initial = script.Steps[0].Replicas;
        var maxReplicas = script.Steps.Max(s => s.Replicas);
        var counters = new StormCounters();

        await using var cluster = await StormCluster.StartAsync(initial, maxReplicas, loggers, cancellationToken);
        await using var bouncer = mode == StormMode.PgBouncer
            ? await PgBouncerServer.StartAsync(new NpgsqlConnectionStringBuilder(serverConnectionString), options.Available, cancellationToken)
            : null;
        await using var operatorHost = mode == StormMode.PoolOperator ? await StartOperatorAsync(cluster, cancellationToken) : null;

        var pools = Pools(mode, cluster, bouncer, initial);
        var clock = Stopwatch.StartNew();
        await using var sampler = new ConnectionSampler(adminConnectionString, TimeSpan.FromMilliseconds(5));
        await sampler.StartAsync(clock, cancellationToken);
        var acknowledged = new List<TimeSpan>();
        await using (var fleet = new ReplicaFleet(cluster.Client, StormApplication.Namespace, StormApplication.Selector, pools, options, counters))
        {
            fleet.Start();
            var driver = new HpaDriver(cluster.Client, StormApplication.Namespace, StormApplication.Hpa, TimeProvider.System, loggers.CreateLogger<HpaDriver>());
            using var progressTimer = new Timer(_ => Report(mode, clock, fleet, sampler, counters), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            var settling = new List<Task<TimeSpan?>>();
            for (var i = 0; i < script.Steps.Count; i++)
            {
                var step = script.Steps[i];
                var wait = step.Offset - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                var decided = clock.Elapsed;
                var replicas = await driver.SetReplicasAsync(step.Replicas, cancellationToken);
                if (mode == StormMode.PoolOperator)
                {
                    var next = i + 1 < script.Steps.Count ? script.Steps[i + 1].Offset : options.Duration;
                    settling.Add(WaitUntilAcknowledgedAsync(cluster, replicas, clock, decided, next, cancellationToken));
                }
            }

            var remaining = options.Duration - clock.Elapsed;
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, cancellationToken);
            }

            acknowledged.AddRange((await Task.WhenAll(settling)).OfType<TimeSpan>());
        }

        var elapsed = clock.Elapsed;
        await sampler.DisposeAsync();
        if (counters.FirstOtherError is { } error)
        {
            await progress.WriteLineAsync($"[{mode}] first error other than 53300: {error}");
        }

        return new ModeResult(
            Label(mode),
            options.Available,
            elapsed,
            counters.TooManyClients,
            counters.OtherErrors,
            counters.FirstOtherError,
            sampler.Peak,
            counters.Completed / elapsed.TotalSeconds,
            counters.Latency.Percentile(50),
            counters.Latency.Percentile(99),
            acknowledged,
            sampler.Timeline);
    }

    public static string Label(StormMode mode) => mode switch
    {
        StormMode.Static => "static pools",
        StormMode.PgBouncer => "PgBouncer",
        _ => "PoolOperator",
    };

    private IReplicaPools Pools(StormMode mode, StormCluster cluster, PgBouncerServer? bouncer, int initialReplicas)
    {
        // Static pools are sized for the starting replica count: the classic "90 across 3: 30 each".
        var staticSize = Math.Max(1, options.Available / initialReplicas);
        return mode switch
        {
            StormMode.Static => new StaticPools(serverConnectionString, staticSize, throughPgBouncer: false),
            StormMode.PgBouncer => new StaticPools(
                new NpgsqlConnectionStringBuilder(serverConnectionString) { Host = "127.0.0.1", Port = bouncer!.Port }.ConnectionString,
                staticSize,
                throughPgBouncer: true),
            _ => new AgentPools(serverConnectionString, cluster.Client, StormApplication.Namespace, StormApplication.Budget, options.Available, loggers),
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

    private void Report(StormMode mode, Stopwatch clock, ReplicaFleet fleet, ConnectionSampler sampler, StormCounters counters)
    {
        if (options.Quiet)
        {
            return;
        }

        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{Label(mode),-13}] t={clock.Elapsed.TotalSeconds,5:F1}s replicas={fleet.Running,3} server connections={sampler.Latest,4} (peak {sampler.Peak,4}, budget {options.Available}) 53300 errors={counters.TooManyClients,6} queries={counters.Completed,8}"));
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

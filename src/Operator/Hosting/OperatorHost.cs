using System.Diagnostics.Metrics;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using PoolOperator.Operator.Budgets;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Events;
using PoolOperator.Operator.Hosting.Metrics;
using PoolOperator.Operator.Leadership;
using PoolOperator.Operator.ServerDiscovery;

namespace PoolOperator.Operator.Hosting;

/// <summary>
/// Assembles the operator: a minimal web host serving /healthz, /readyz and /metrics, the leader
/// election, the informers and the budget controller. Program.cs and the tests both build it here.
/// </summary>
public static class OperatorHost
{
    /// <summary>Builds the operator's host.</summary>
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--Operator:HttpPort=9090</c>).</param>
    /// <param name="kubernetes">How to reach the API server.</param>
    /// <param name="settings">Extra configuration, applied last (tests use it for short timings).</param>
    /// <param name="configureLogging">Adjusts logging (tests route it to their output).</param>
    public static WebApplication Build(
        string[] args,
        KubernetesClientConfiguration kubernetes,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        var builder = WebApplication.CreateSlimBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true;
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        // One line per probe and scrape drowns the reconcile logs; Kestrel's own warnings still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);

        AddOperator(builder.Services, builder.Configuration, kubernetes);

        var app = builder.Build();
        MapEndpoints(app);
        return app;
    }

    /// <summary>The address /metrics and the probes are served at, once the host has started.</summary>
    public static Uri HttpAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The host has not started.");
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    private static void AddOperator(IServiceCollection services, ConfigurationManager configuration, KubernetesClientConfiguration kubernetes)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<OperatorOptions>().Bind(configuration.GetSection(OperatorOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OperatorOptions>, OperatorOptionsValidator>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<OperatorOptions>>((kestrel, options) =>
        {
            if (System.Net.IPAddress.TryParse(options.Value.HttpAddress, out var address))
            {
                kestrel.Listen(address, options.Value.HttpPort);
            }
            else
            {
                kestrel.ListenAnyIP(options.Value.HttpPort);
            }
        });

        services.AddSingleton(kubernetes);
        services.AddSingleton<OperatorMetrics>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OperatorOptions>>().Value;
            return new ApiRateLimitHandler(options.ApiQps, options.ApiBurst, sp.GetRequiredService<OperatorMetrics>());
        });
        services.AddSingleton<IKubernetes>(sp => new Kubernetes(kubernetes, sp.GetRequiredService<ApiRateLimitHandler>()));

        // The operator's meter and the runtime's own (GC heap, working set) at /metrics; a scrape
        // is rendered afresh, not served from the exporter's short response cache.
        // OpenTelemetry listens to meters by name, process-wide: a second host in the same process (the
        // tests run several) would add its operator's counts to this one's. The view drops the operator's
        // instruments of any meter not created by this host's own IMeterFactory.
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics
                .AddMeter(OperatorMetrics.MeterName, "System.Runtime")
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            ((IDeferredMeterProviderBuilder)metrics).Configure((sp, builder) =>
            {
                var ownMeters = sp.GetRequiredService<IMeterFactory>();
                builder.AddView(instrument =>
                    instrument.Meter.Name == OperatorMetrics.MeterName && !ReferenceEquals(instrument.Meter.Scope, ownMeters)
                        ? MetricStreamConfiguration.Drop
                        : null);
            });
        });
        services.AddSingleton<Leadership.Leadership>();
        services.AddSingleton<LeaderElectionService>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElectionService>());

        services.AddSingleton(sp => new BudgetInformers(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<IOptions<OperatorOptions>>().Value.WatchNamespaces,
            new InformerSettings { ResyncPeriod = sp.GetRequiredService<IOptions<OperatorOptions>>().Value.ResyncPeriod },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new WorkQueue<ObjectKey>(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BudgetResources>();
        services.AddSingleton<BudgetUpdate>();
        services.AddSingleton<BudgetStatusWriter>();
        services.AddSingleton<BudgetReporter>();
        services.AddSingleton(sp => new ServerLimitsSource(
            sp.GetRequiredService<IKubernetes>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<OperatorOptions>>().Value.ServerLimitsCacheDuration));
        services.AddSingleton(sp => new EventRecorderSettings { ReportingInstance = sp.GetRequiredService<LeaderElectionService>().Identity });
        services.AddSingleton<EventRecorder>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OperatorOptions>>().Value;
            return new BudgetReconcilerSettings
            {
                ServerRetryDelay = options.ServerRetryDelay,
                ServerRefreshPeriod = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, options.ServerLimitsCacheDuration.Ticks * 2)),
            };
        });
        services.AddSingleton<BudgetReconciler>();
        services.AddSingleton<BudgetController>();
        services.AddHostedService(sp => sp.GetRequiredService<BudgetController>());
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/healthz", (BudgetController controller) =>
            controller.Failure is null
                ? Results.Text("ok\n")
                : Results.Text($"controller stopped: {controller.Failure.Message}\n", statusCode: StatusCodes.Status500InternalServerError));
        app.MapGet("/readyz", (BudgetController controller) =>
            controller.CachesSynced
                ? Results.Text("ready\n")
                : Results.Text("caches are still listing\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPrometheusScrapingEndpoint("/metrics");
    }
}

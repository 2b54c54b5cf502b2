using System.Globalization;
using System.Net;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.LocalCluster.CustomResources;
using PoolOperator.LocalCluster.Discovery;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Lifecycle;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;
using PoolOperator.LocalCluster.Tables;

namespace PoolOperator.LocalCluster;

/// <summary>
/// An in-process Kubernetes API server on 127.0.0.1 (plain HTTP) that speaks the real REST and watch wire
/// format for the resources PoolOperator uses, for tests, the demo and trying kubectl by hand.
/// See <c>docs/local-cluster.md</c> for what is emulated and what is not.
/// </summary>
public sealed partial class LocalKubernetesServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly CancellationTokenSource _stopping;
    private readonly ITimer _sweeper;

    private LocalKubernetesServer(WebApplication app, ObjectStore store, CancellationTokenSource stopping, ITimer sweeper, Uri baseAddress)
    {
        _app = app;
        _store = store;
        _stopping = stopping;
        _sweeper = sweeper;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts a server; it listens once the returned task completes.</summary>
    public static async Task<LocalKubernetesServer> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchHistoryLimit, 1, nameof(options.WatchHistoryLimit));
        if (options.BookmarkInterval <= TimeSpan.Zero || options.SweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BookmarkInterval and SweepInterval must be positive.");
        }

        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("PoolOperator.LocalCluster");
        var time = options.TimeProvider;

        var store = new ObjectStore(options.WatchHistoryLimit);
        var registry = new ResourceRegistry(BuiltInResources.Create());
        var admission = new Admission(new CrdController(store, registry, time), new EventMirror(store));
        var deleter = new ObjectDeleter(store, registry, admission, time);
        var writer = new ObjectWriter(store, admission, deleter, time, options.AutoCreateNamespaces);
        var namespaces = registry.Find("", "v1", "namespaces")!;
        foreach (var ns in options.InitialNamespaces)
        {
            writer.Create(namespaces, null, new() { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = ns } }, new WriteContext());
        }

        var loader = new ManifestLoader(registry, writer);
        foreach (var path in options.ManifestPaths)
        {
            loader.Load(path);
        }

        var stopping = new CancellationTokenSource();
        var tables = new TableConverter(time);
        var watch = new WatchEndpoint(store, tables, options.BookmarkInterval, logger, stopping.Token);
        var resources = new ResourceEndpoints(store, writer, deleter, tables, watch, new ScaleEndpoint(store, writer));
        var router = new ApiRouter(registry, new DiscoveryDocuments(registry), new OpenApiDocuments(registry, store), resources, logger);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        app.Run(router.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        var sweeper = time.CreateTimer(_ => Sweep(deleter, logger), null, options.SweepInterval, options.SweepInterval);
        return new LocalKubernetesServer(app, store, stopping, sweeper, baseAddress);
    }

    private static void Sweep(ObjectDeleter deleter, ILogger logger)
    {
        try
        {
            deleter.Sweep();
        }
#pragma warning disable CA1031 // A timer callback that throws would take the process down; the next sweep retries.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSweepFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Finishing pending deletions failed; retrying on the next sweep")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    /// <summary>A client configuration for this server (plain HTTP, no credentials needed).</summary>
    public KubernetesClientConfiguration CreateClientConfiguration() => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        Namespace = "default",
    };

    /// <summary>A KubernetesClient for this server.</summary>
    public IKubernetes CreateClient() => new Kubernetes(CreateClientConfiguration());

    /// <summary>
    /// Writes a kubeconfig (cluster, user, context <c>poolop-local</c>, set as current) that points kubectl at this
    /// server, creating the directory if needed. Returns the full path.
    /// </summary>
    public string WriteKubeconfig(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var server = BaseAddress.ToString().TrimEnd('/');
        var text = string.Create(CultureInfo.InvariantCulture, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: poolop-local
              cluster:
                server: {{server}}
            users:
            - name: poolop-local
              user:
                token: local-cluster
            contexts:
            - name: poolop-local
              context:
                cluster: poolop-local
                user: poolop-local
                namespace: default
            current-context: poolop-local
            preferences: {}

            """);
        File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Ends every watch and stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _sweeper.DisposeAsync();
        _store.CompleteAllWatches();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}

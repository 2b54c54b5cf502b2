using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
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
using PoolOperator.LocalCluster.Processes;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Security;
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
    private readonly TokenAuthenticator _tokens;
    private readonly ServingCertificate _certificate;

    private LocalKubernetesServer(
        WebApplication app, ObjectStore store, CancellationTokenSource stopping, ITimer sweeper, TokenAuthenticator tokens, ServingCertificate certificate,
        AuditLog audit, Uri baseAddress)
    {
        Audit = audit;
        _tokens = tokens;
        _certificate = certificate;
        _app = app;
        _store = store;
        _stopping = stopping;
        _sweeper = sweeper;
        BaseAddress = baseAddress;
    }

    /// <summary>
    /// The server's URL, e.g. <c>https://127.0.0.1:41234/</c>. HTTPS with a certificate of the server's own
    /// authority (<see cref="CertificateAuthorityPem"/>): clients made by this class trust it.
    /// </summary>
    public Uri BaseAddress { get; }

    /// <summary>Every authenticated request with its user, verb, resource and answer code (the most recent <see cref="LocalClusterOptions.AuditCapacity"/>).</summary>
    public AuditLog Audit { get; }

    /// <summary>The PEM certificate of the authority that signed the serving certificate (a pod's <c>ca.crt</c>).</summary>
    public string CertificateAuthorityPem => _certificate.AuthorityPem;

    /// <summary>Starts a server; it listens once the returned task completes.</summary>
    public static async Task<LocalKubernetesServer> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options.Port));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchHistoryLimit, 1, nameof(options.WatchHistoryLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AuditCapacity, 1, nameof(options.AuditCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GarbageCollectionDelay, TimeSpan.Zero, nameof(options.GarbageCollectionDelay));
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
        var deleter = new ObjectDeleter(store, registry, admission, time, options.GarbageCollectionDelay);
        var writer = new ObjectWriter(store, admission, deleter, time, options.AutoCreateNamespaces);
        var namespaces = registry.Find("", "v1", "namespaces")!;
        foreach (var ns in options.InitialNamespaces)
        {
            writer.Create(namespaces, null, new() { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = ns } }, new WriteContext());
        }

        foreach (var (plural, obj) in BootstrapRbac.Objects())
        {
            writer.Create(registry.Find("rbac.authorization.k8s.io", "v1", plural)!, null, obj, new WriteContext());
        }

        var loader = new ManifestLoader(registry, writer);
        foreach (var path in options.ManifestPaths)
        {
            loader.Load(path);
        }

        var stopping = new CancellationTokenSource();
        var tables = new TableConverter(time);
        var watch = new WatchEndpoint(store, tables, options.BookmarkInterval, logger, stopping.Token);
        var tokens = new TokenAuthenticator(store, time);
        var images = ProcessImageMap.Parse(options.ProcessImages);
        var podLogs = new PodLogStore();
        var resources = new ResourceEndpoints(store, writer, deleter, tables, watch, new ScaleEndpoint(store, writer), new TokenRequestEndpoint(store, tokens, time))
        {
            PodLogs = new PodLogEndpoint(store, podLogs),
        };
        var audit = new AuditLog(options.AuditCapacity);
        var router = new ApiRouter(
            registry, new DiscoveryDocuments(registry), new OpenApiDocuments(registry, store), resources, tokens, new RbacAuthorizer(store), audit, logger);

        var certificate = ServingCertificate.Create(time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate.Serving));
            kestrel.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        app.Run(router.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        var sweeper = time.CreateTimer(_ => Sweep(deleter, logger), null, options.SweepInterval, options.SweepInterval);
        var server = new LocalKubernetesServer(app, store, stopping, sweeper, tokens, certificate, audit, baseAddress);
        server.StartProcessKubelet(images, podLogs, time, loggerFactory);
        return server;
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

    /// <summary>
    /// The bearer token of the cluster administrator (user <c>admin</c>, group <c>system:masters</c>: allowed
    /// everything), which <see cref="CreateClient()"/> and <see cref="WriteKubeconfig(string)"/> use.
    /// </summary>
    public string AdminToken => _tokens.AdminToken;

    /// <summary>
    /// Issues a token that identifies <c>system:serviceaccount:NS:NAME</c> (groups <c>system:serviceaccounts</c>,
    /// <c>system:serviceaccounts:NS</c>, <c>system:authenticated</c>), as the kubelet hands a pod its identity.
    /// It does not expire. When the ServiceAccount exists the token is bound to it and stops working once it is
    /// deleted; the account need not exist yet (RBAC bindings name it by name).
    /// </summary>
    public string IssueServiceAccountToken(string ns, string serviceAccount)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(serviceAccount);
        return _tokens.Issue(ns, serviceAccount, lifetime: null, out _);
    }

    /// <summary>A client configuration for this server as the administrator.</summary>
    public KubernetesClientConfiguration CreateClientConfiguration() => CreateClientConfiguration(AdminToken);

    /// <summary>A client configuration for this server that authenticates with <paramref name="token"/> and trusts its authority.</summary>
    public KubernetesClientConfiguration CreateClientConfiguration(string token) => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        Namespace = "default",
        AccessToken = token,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(_certificate.Authority.RawData)],
    };

    /// <summary>A KubernetesClient for this server, as the administrator.</summary>
    public IKubernetes CreateClient() => new Kubernetes(CreateClientConfiguration());

    /// <summary>A KubernetesClient for this server that authenticates with <paramref name="token"/>.</summary>
    public IKubernetes CreateClient(string token) => new Kubernetes(CreateClientConfiguration(token));

    /// <summary>An <see cref="HttpClient"/> for raw requests to this server, sending <paramref name="token"/> (default: the admin token).</summary>
    public HttpClient CreateHttpClient(string? token = null)
    {
#pragma warning disable CA2000 // The HttpClient owns the handler.
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => TrustsCertificate(certificate) };
        var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = BaseAddress };
#pragma warning restore CA2000
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        return http;
    }

    /// <summary>Whether a certificate was issued by this server's authority (for callers with their own HTTP stack).</summary>
    public bool TrustsCertificate(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificate.Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>
    /// Writes a kubeconfig (cluster, user, context <c>poolop-local</c>, set as current) that points kubectl at this
    /// server as the administrator, creating the directory if needed. Returns the full path.
    /// </summary>
    public string WriteKubeconfig(string path) => WriteKubeconfig(path, null);

    /// <summary>
    /// Writes a kubeconfig like <see cref="WriteKubeconfig(string)"/> that authenticates with <paramref name="token"/>
    /// (for instance one from <see cref="IssueServiceAccountToken"/>); null means the admin token.
    /// </summary>
    public string WriteKubeconfig(string path, string? token)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var server = BaseAddress.ToString().TrimEnd('/');
        var authority = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(CertificateAuthorityPem));
        var text = string.Create(CultureInfo.InvariantCulture, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: poolop-local
              cluster:
                server: {{server}}
                certificate-authority-data: {{authority}}
            users:
            - name: poolop-local
              user:
                token: {{token ?? AdminToken}}
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
        await StopProcessKubeletAsync();
        await _stopping.CancelAsync();
        await _sweeper.DisposeAsync();
        _store.CompleteAllWatches();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
        _certificate.Dispose();
    }
}

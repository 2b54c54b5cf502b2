using System.Globalization;
using k8s;
using PoolOperator.LocalCluster;
using PoolOperator.Testing;

namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>
/// What every scenario runs against, shared by the suite: a real PostgreSQL server and the local Kubernetes API
/// server with the project's CRDs. The suite plays the operator through a real KubernetesClient.
/// </summary>
public sealed class ConformanceCluster : IAsyncLifetime
{
    public const string Namespace = "default";
    public const string Budget = "orders-db";

    private PostgresServer? _postgres;
    private LocalKubernetesServer? _server;
    private IKubernetes? _client;
    private int _pods;

    internal PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("not started");

    internal LocalKubernetesServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>The operator's client.</summary>
    internal IKubernetes Client => _client ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 100 });
        var options = new LocalClusterOptions { Port = 0 };
        options.ManifestPaths.Add(RepositoryRoot.Crds);
        _server = await LocalKubernetesServer.StartAsync(options);
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>A pod name no other scenario used (so its backends are counted apart).</summary>
    internal string NewPodName(string agent) =>
        string.Create(CultureInfo.InvariantCulture, $"{agent}-worker-{Interlocked.Increment(ref _pods)}");

    /// <summary>
    /// Writes the cluster's admin kubeconfig (its CA and token) with <paramref name="server"/> (the agent's link to the
    /// API, a TCP proxy that TLS passes through) as the server.
    /// </summary>
    internal string WriteKubeconfig(Uri server)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pooloperator-conformance-{Guid.NewGuid():N}.kubeconfig");
        Server.WriteKubeconfig(path);
        var text = File.ReadAllText(path).Replace(Server.BaseAddress.ToString().TrimEnd('/'), server.ToString().TrimEnd('/'), StringComparison.Ordinal);
        File.WriteAllText(path, text);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class ConformanceSuite : ICollectionFixture<ConformanceCluster>
{
    public const string Name = "conformance";
}

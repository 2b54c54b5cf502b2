using k8s;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Grants;

/// <summary>A local Kubernetes API with the project's CRDs, and the grant operations the operator would do.</summary>
internal sealed class LocalClusterHarness : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string Budget = "orders-db";

    private readonly Dictionary<string, string> _podUids = new(StringComparer.Ordinal);
    private LocalKubernetesServer? _server;

    private LocalClusterHarness(LocalKubernetesServer server, IKubernetes client)
    {
        _server = server;
        Client = client;
    }

    /// <summary>The client the tests use as "the operator".</summary>
    public IKubernetes Client { get; }

    public static async Task<LocalClusterHarness> StartAsync()
    {
        var server = await StartServerAsync(port: 0);
        return new LocalClusterHarness(server, server.CreateClient());
    }

    /// <summary>Stops the API server and starts an empty one (CRDs only) on the same address, as after an API outage with data loss.</summary>
    public async Task RestartEmptyAsync()
    {
        var port = _server!.BaseAddress.Port;
        await StopServerAsync();
        _server = await StartServerAsync(port);
    }

    /// <summary>A new client for the agent (its own HTTP connections, as in a separate pod), optionally through <paramref name="handler"/>.</summary>
    public IKubernetes CreateAgentClient(DelegatingHandler? handler = null) =>
        handler is null ? _server!.CreateClient() : new Kubernetes(_server!.CreateClientConfiguration(), handler);

    /// <summary>The UID of the pod <paramref name="podName"/> (one per name for this harness, as the downward API gives it).</summary>
    public string PodUid(string podName)
    {
        lock (_podUids)
        {
            return _podUids.TryGetValue(podName, out var uid) ? uid : _podUids[podName] = Guid.NewGuid().ToString();
        }
    }

    public GrantIdentity Identity(string podName) => new(Namespace, podName, Budget, PodUid(podName));

    /// <summary>Creates the pod's grant as the operator does, bound to the pod's UID unless <paramref name="podUid"/> says otherwise.</summary>
    public async Task<ConnectionGrant> CreateGrantAsync(string podName, int limit, string? podUid = null)
    {
        var grant = new ConnectionGrant
        {
            Metadata = new V1ObjectMeta { Name = ApiGroup.GrantName(podName, Budget), NamespaceProperty = Namespace },
            Spec = new ConnectionGrantSpec { PodName = podName, PodUid = podUid ?? PodUid(podName), BudgetName = Budget, Limit = limit, Hold = limit },
        };
        return await Client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
            grant, ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural);
    }

    /// <summary>Writes a new limit with its hold, as the operator does (<see cref="PoolOperator.Api.Protocol.GrantHolds.HoldWith"/>).</summary>
    public async Task<ConnectionGrant> SetLimitAsync(string podName, int limit)
    {
        var current = await GetGrantAsync(podName);
        var hold = PoolOperator.Api.Protocol.GrantHolds.HoldWith(current, limit);
        return await Client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(new { spec = new { limit, hold } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural, ApiGroup.GrantName(podName, Budget));
    }

    public async Task DeleteGrantAsync(string podName) =>
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural, ApiGroup.GrantName(podName, Budget));

    public async Task<ConnectionGrant> GetGrantAsync(string podName) =>
        await Client.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(
            ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural, ApiGroup.GrantName(podName, Budget));

    /// <summary>Stops the API server (the agent's watches end and further calls fail).</summary>
    public async Task StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopServerAsync();
    }

    private static async Task<LocalKubernetesServer> StartServerAsync(int port)
    {
        var options = new LocalClusterOptions { Port = port };
        options.ManifestPaths.Add(RepositoryRoot.Crds);
        return await LocalKubernetesServer.StartAsync(options);
    }
}

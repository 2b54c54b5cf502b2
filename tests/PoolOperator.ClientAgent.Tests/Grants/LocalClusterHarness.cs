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

    /// <summary>A new client for the agent (its own HTTP connections, as in a separate pod).</summary>
    public IKubernetes CreateAgentClient() => _server!.CreateClient();

    public static GrantIdentity Identity(string podName) => new(Namespace, podName, Budget);

    public async Task<ConnectionGrant> CreateGrantAsync(string podName, int limit)
    {
        var grant = new ConnectionGrant
        {
            Metadata = new V1ObjectMeta { Name = ApiGroup.GrantName(podName, Budget), NamespaceProperty = Namespace },
            Spec = new ConnectionGrantSpec { PodName = podName, BudgetName = Budget, Limit = limit },
        };
        return await Client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
            grant, ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural);
    }

    public async Task<ConnectionGrant> SetLimitAsync(string podName, int limit) =>
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(new { spec = new { limit } }, V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, Namespace, ApiGroup.GrantPlural, ApiGroup.GrantName(podName, Budget));

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

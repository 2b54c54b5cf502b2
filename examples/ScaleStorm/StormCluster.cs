using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.LocalCluster;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.ScaleStorm;

/// <summary>
/// The in-process cluster one mode runs in: the local API server with the project's CRDs, the
/// workload simulator playing kubelet and deployment controller, the application's Deployment
/// and its HPA. Every mode gets a fresh one, so modes cannot disturb each other.
/// </summary>
internal sealed class StormCluster : IAsyncDisposable
{
    private StormCluster(LocalKubernetesServer server, IKubernetes client, WorkloadSimulator simulator)
    {
        Server = server;
        Client = client;
        Simulator = simulator;
    }

    public LocalKubernetesServer Server { get; }

    public IKubernetes Client { get; }

    public WorkloadSimulator Simulator { get; }

    public static async Task<StormCluster> StartAsync(int initialReplicas, int maxReplicas, TimeSpan podStart, TimeSpan podStop, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var options = new LocalClusterOptions { LoggerFactory = loggers };
        options.ManifestPaths.Add(RepositoryPaths.Crds);
        var server = await LocalKubernetesServer.StartAsync(options, cancellationToken);
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = StormApplication.Namespace } }, cancellationToken: cancellationToken);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(initialReplicas), StormApplication.Namespace, cancellationToken: cancellationToken);
        await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa(maxReplicas), StormApplication.Namespace, cancellationToken: cancellationToken);
        var simulator = new WorkloadSimulator(
            client,
            new WorkloadSimulatorOptions
            {
                PendingDuration = podStart,
                TerminationGracePeriod = podStop,
                Namespaces = [StormApplication.Namespace],
            },
            TimeProvider.System,
            loggers.CreateLogger<WorkloadSimulator>());
        simulator.Start();
        return new StormCluster(server, client, simulator);
    }

    public async Task CreateBudgetAsync(int maxConnections, int reserved, CancellationToken cancellationToken)
    {
        var budget = new DatabaseBudget
        {
            Metadata = new V1ObjectMeta { Name = StormApplication.Budget, NamespaceProperty = StormApplication.Namespace },
            Spec = new DatabaseBudgetSpec
            {
                MaxConnections = maxConnections,
                ReservedConnections = reserved,
                Workloads = [new BudgetWorkload { Kind = WorkloadKinds.Deployment, Name = StormApplication.Deployment }],
            },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            budget, ApiGroup.Group, ApiGroup.Version, StormApplication.Namespace, ApiGroup.BudgetPlural, cancellationToken: cancellationToken);
    }

    public async Task<DatabaseBudget> ReadBudgetAsync(CancellationToken cancellationToken) =>
        await Client.CustomObjects.GetNamespacedCustomObjectAsync<DatabaseBudget>(
            ApiGroup.Group, ApiGroup.Version, StormApplication.Namespace, ApiGroup.BudgetPlural, StormApplication.Budget, cancellationToken);

    private static V1Deployment Deployment(int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = StormApplication.Deployment, NamespaceProperty = StormApplication.Namespace },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = StormApplication.Deployment } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = StormApplication.Deployment } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "storm-app:1" }] },
            },
        },
    };

    private static V2HorizontalPodAutoscaler Hpa(int maxReplicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = StormApplication.Hpa, NamespaceProperty = StormApplication.Namespace },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            MinReplicas = 1,
            MaxReplicas = maxReplicas,
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = StormApplication.Deployment },
        },
    };

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

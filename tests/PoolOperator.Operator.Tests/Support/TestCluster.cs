using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.LocalCluster;
using PoolOperator.Operator.Hosting;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests;

/// <summary>
/// A local cluster with the project's CRDs, the real KubernetesClient over HTTP, and helpers that
/// create workloads, pods, HPAs and budgets the way a user or a controller would.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string Ns = "default";

    private readonly ITestOutputHelper output;
    private readonly List<RunningOperator> operators = [];

    private TestCluster(LocalKubernetesServer server, ITestOutputHelper output)
    {
        Server = server;
        Client = server.CreateClient();
        this.output = output;
    }

    public LocalKubernetesServer Server { get; }

    public IKubernetes Client { get; }

    public static async Task<TestCluster> StartAsync(ITestOutputHelper output, Action<LocalClusterOptions>? configure = null)
    {
        var options = new LocalClusterOptions();
        options.ManifestPaths.Add(RepoPaths.Crds);
        configure?.Invoke(options);
        return new TestCluster(await LocalKubernetesServer.StartAsync(options), output);
    }

    /// <summary>Starts an operator with test timings; leader election is off unless asked for.</summary>
    public async Task<RunningOperator> StartOperatorAsync(string identity = "operator-1", bool leaderElection = false, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Operator:HttpPort"] = "0",
            ["Operator:ResyncPeriod"] = "00:00:30",
            ["Operator:ServerLimitsCacheDuration"] = "00:00:01",
            ["Operator:ServerRetryDelay"] = "00:00:00.500",
            ["Operator:LeaderElection:Enabled"] = leaderElection ? "true" : "false",
            ["Operator:LeaderElection:Identity"] = identity,
            ["Operator:LeaderElection:LeaseNamespace"] = Ns,
            ["Operator:LeaderElection:LeaseDuration"] = "00:00:02",
            ["Operator:LeaderElection:RenewDeadline"] = "00:00:01.500",
            ["Operator:LeaderElection:RetryPeriod"] = "00:00:00.250",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var app = OperatorHost.Build([], Server.CreateClientConfiguration(), all, logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(new TestOutputLoggerProvider(output, identity));
        });
        var running = new RunningOperator(identity, app);
        operators.Add(running);
        await app.StartAsync();
        return running;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var op in operators)
        {
            await op.DisposeAsync();
        }

        Client.Dispose();
        await Server.DisposeAsync();
    }

    public static DatabaseBudget Budget(string name, int? maxConnections, int reserved, params BudgetWorkload[] workloads) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new DatabaseBudgetSpec { MaxConnections = maxConnections, ReservedConnections = reserved, Workloads = [.. workloads] },
    };

    public static BudgetWorkload Workload(string name, int weight = 1, int min = 0, int? max = null, string kind = WorkloadKinds.Deployment) =>
        new() { Kind = kind, Name = name, Weight = weight, MinPerReplica = min, MaxPerReplica = max };

    public Task<DatabaseBudget> CreateBudgetAsync(DatabaseBudget budget) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync<DatabaseBudget>(budget, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural);

    public Task<DatabaseBudget> GetBudgetAsync(string name) =>
        Client.CustomObjects.GetNamespacedCustomObjectAsync<DatabaseBudget>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural, name);

    public async Task<IReadOnlyList<ConnectionGrant>> GrantsAsync(string budget)
    {
        var list = await Client.CustomObjects.ListNamespacedCustomObjectAsync<ConnectionGrantList>(
            ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, labelSelector: $"{ApiGroup.BudgetLabel}={budget}");
        return [.. list.Items.OrderBy(g => g.Spec.PodName, StringComparer.Ordinal)];
    }

    /// <summary>Limits by pod, once every grant is acknowledged.</summary>
    public async Task<Dictionary<string, int>> AcknowledgedLimitsAsync(string budget) =>
        (await GrantsAsync(budget)).ToDictionary(g => g.Spec.PodName, g => g.Status?.AppliedLimit == g.Spec.Limit ? g.Spec.Limit : -1);

    public async Task WaitForLimitsAsync(string budget, IDictionary<string, int> expected, string what)
    {
        await Eventually.TrueAsync(
            async () =>
            {
                var actual = await AcknowledgedLimitsAsync(budget);
                return actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var v) && v == e.Value);
            },
            what + ": limits " + string.Join(",", expected.Select(e => e.Key + "=" + e.Value)) + " acknowledged");
    }

    public async Task<DatabaseBudget> WaitForConditionAsync(string budget, string type, string status, string? reason = null)
    {
        return await Eventually.ValueAsync(
            () => GetBudgetAsync(budget),
            b => b.Status?.Conditions?.Any(c => c.Type == type && c.Status == status && (reason is null || c.Reason == reason)) == true,
            $"budget {budget} has condition {type}={status}{(reason is null ? "" : " (" + reason + ")")}");
    }

    public async Task<V1Deployment> CreateDeploymentAsync(string name, int replicas)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return await Client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
                Spec = new V1DeploymentSpec
                {
                    Replicas = replicas,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app:1" }] },
                    },
                },
            },
            Ns);
    }

    public Task ScaleAsync(string deployment, int replicas) =>
        Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(new { spec = new { replicas } }, V1Patch.PatchType.MergePatch), deployment, Ns);

    /// <summary>Creates a pod of a deployment (labels matching its selector, owned by it) and sets its phase.</summary>
    public async Task<V1Pod> CreatePodAsync(string deployment, string name, string phase = "Running")
    {
        var owner = await Client.AppsV1.ReadNamespacedDeploymentAsync(deployment, Ns);
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    NamespaceProperty = Ns,
                    Labels = new Dictionary<string, string>(owner.Spec.Selector.MatchLabels),
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = deployment, Uid = owner.Metadata.Uid, Controller = true }],
                },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app:1" }] },
            },
            Ns);
        return await Client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch(new { status = new { phase } }, V1Patch.PatchType.MergePatch), pod.Metadata.Name, Ns);
    }

    /// <summary>Deletes a pod with a long grace period: it stays Terminating until <see cref="RemovePodAsync"/>.</summary>
    public Task TerminatePodAsync(string name) =>
        Client.CoreV1.DeleteNamespacedPodAsync(name, Ns, gracePeriodSeconds: 600);

    /// <summary>
    /// Ends a pod as the kubelet does once its containers have exited: it reports the terminal phase, then removes
    /// the pod object.
    /// </summary>
    public async Task RemovePodAsync(string name)
    {
        await Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(new { status = new { phase = "Failed" } }, V1Patch.PatchType.MergePatch), name, Ns);
        await Client.CoreV1.DeleteNamespacedPodAsync(name, Ns, gracePeriodSeconds: 0);
    }

    /// <summary>
    /// Force-deletes a pod (<c>kubectl delete --force --grace-period=0</c>, a lost node): the object goes while its
    /// process may still run.
    /// </summary>
    public Task ForceDeletePodAsync(string name) =>
        Client.CoreV1.DeleteNamespacedPodAsync(name, Ns, gracePeriodSeconds: 0);

    public Task CreateHpaAsync(string name, string deployment, int min, int max, int desired) =>
        CreateHpaCoreAsync(name, deployment, min, max, desired);

    public Task SetHpaDesiredAsync(string name, int desired) =>
        Client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerStatusAsync(
            new V1Patch(new { status = new { desiredReplicas = desired, currentReplicas = desired } }, V1Patch.PatchType.MergePatch), name, Ns);

    public async Task<IReadOnlyList<Eventsv1Event>> EventsAboutAsync(string name)
    {
        var list = await Client.EventsV1.ListNamespacedEventAsync(Ns);
        return [.. list.Items.Where(e => e.Regarding?.Name == name)];
    }

    private async Task CreateHpaCoreAsync(string name, string deployment, int min, int max, int desired)
    {
        await Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
            new V2HorizontalPodAutoscaler
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
                Spec = new V2HorizontalPodAutoscalerSpec
                {
                    MinReplicas = min,
                    MaxReplicas = max,
                    ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = deployment },
                },
            },
            Ns);
        await SetHpaDesiredAsync(name, desired);
    }
}

using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>
/// The workload simulator and the HPA driver against the real local API server, through the real
/// KubernetesClient: pods appear Pending then Running, excess pods go Terminating then away,
/// and scripted HPA decisions reach the workload through /scale.
/// </summary>
public sealed class SimulationClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly WorkloadSimulatorOptions FastOptions = new()
    {
        PendingDuration = TimeSpan.FromMilliseconds(300),
        TerminationGracePeriod = TimeSpan.FromMilliseconds(600),
    };

    private LocalKubernetesServer _server = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalKubernetesServer.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Deployment_pods_follow_replicas_3_then_5_then_2()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        using var history = await PodHistory.StartAsync(_client, ns);

        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", 3), ns);
        var first = await EventuallyAsync(ns, pods => pods.Count == 3 && pods.All(IsRunning));
        await EventuallyDeploymentAsync(ns, "api", d => d.Status?.ReadyReplicas == 3 && d.Status.AvailableReplicas == 3 && d.Status.ObservedGeneration == d.Metadata.Generation);

        await ScaleAsync(ns, "api", 5);
        var five = await EventuallyAsync(ns, pods => pods.Count == 5 && pods.All(IsRunning));
        Assert.Superset(first.Select(p => p.Metadata.Name).ToHashSet(), five.Select(p => p.Metadata.Name).ToHashSet());

        await ScaleAsync(ns, "api", 2);
        var two = await EventuallyAsync(ns, pods => pods.Count == 2 && pods.All(IsRunning));
        await EventuallyDeploymentAsync(ns, "api", d => d.Status?.Replicas == 2 && d.Status.ReadyReplicas == 2);

        // The two oldest pods stay: scale-down takes the newest first.
        var oldestTwo = five.OrderBy(SequenceOf).Take(2).Select(p => p.Metadata.Name).Order();
        Assert.Equal(oldestTwo, two.Select(p => p.Metadata.Name).Order());

        // Every pod was seen Pending before Running; every removed pod was Terminating before it went.
        foreach (var pod in five)
        {
            var seen = history.Of(pod.Metadata.Name);
            Assert.True(seen.IndexOf("Pending") >= 0 && seen.IndexOf("Pending") < seen.IndexOf("Running"), $"{pod.Metadata.Name}: {string.Join(",", seen)}");
        }

        foreach (var pod in five.Where(p => two.All(t => t.Metadata.Name != p.Metadata.Name)))
        {
            await history.EventuallyAsync(pod.Metadata.Name, "Deleted", Patience);
            var seen = history.Of(pod.Metadata.Name);
            Assert.True(seen.IndexOf("Terminating") >= 0 && seen.IndexOf("Terminating") < seen.IndexOf("Deleted"), $"{pod.Metadata.Name}: {string.Join(",", seen)}");
        }
    }

    [Fact]
    public async Task Deployment_pods_carry_the_template_labels_and_are_owned_by_the_deployment()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);

        var deployment = await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 1), ns);
        var pod = Assert.Single(await EventuallyAsync(ns, pods => pods.Count == 1 && pods.All(IsRunning)));

        Assert.Equal("web", pod.Metadata.Labels["app"]);
        Assert.StartsWith("web-", pod.Metadata.Name, StringComparison.Ordinal);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal(("Deployment", "web", deployment.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.False(string.IsNullOrEmpty(pod.Status.PodIP));
    }

    [Fact]
    public async Task A_pod_deleted_by_someone_else_is_replaced_and_its_namesake_is_not_touched()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        await _client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSet("cache", 2), ns);
        var before = await EventuallyAsync(ns, pods => pods.Count == 2 && pods.All(IsRunning));
        var victim = before.Single(p => p.Metadata.Name == "cache-1");

        // As kubectl delete pod does: a grace period, so the pod is Terminating first.
        await _client.CoreV1.DeleteNamespacedPodAsync("cache-1", ns, gracePeriodSeconds: 30);

        var after = await EventuallyAsync(ns, pods => pods.Count == 2 && pods.All(IsRunning) && pods.Any(p => p.Metadata.Name == "cache-1" && p.Metadata.Uid != victim.Metadata.Uid));
        Assert.Equal(["cache-0", "cache-1"], after.Select(p => p.Metadata.Name).Order());
        Assert.Equal(before.Single(p => p.Metadata.Name == "cache-0").Metadata.Uid, after.Single(p => p.Metadata.Name == "cache-0").Metadata.Uid);
    }

    [Fact]
    public async Task Deleting_a_deployment_removes_its_pods_and_the_simulator_does_not_bring_them_back()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("gone", 2), ns);
        await EventuallyAsync(ns, pods => pods.Count == 2 && pods.All(IsRunning));

        await _client.AppsV1.DeleteNamespacedDeploymentAsync("gone", ns);

        await EventuallyAsync(ns, pods => pods.Count == 0);
        await Task.Delay(FastOptions.PendingDuration * 3);
        Assert.Empty(await ListPodsAsync(ns));
    }

    [Fact]
    public async Task A_template_change_rolls_all_pods_to_the_new_template()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("roll", 3), ns);
        var before = await EventuallyAsync(ns, pods => pods.Count == 3 && pods.All(IsRunning));
        var oldHash = before[0].Metadata.Labels[SimulationLabels.PodTemplateHash];

        var patch = new V1Patch("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"restartedAt\":\"now\"}}}}}", V1Patch.PatchType.MergePatch);
        await _client.AppsV1.PatchNamespacedDeploymentAsync(patch, "roll", ns);

        var after = await EventuallyAsync(ns, pods => pods.Count == 3 && pods.All(IsRunning) && pods.All(p => p.Metadata.Labels[SimulationLabels.PodTemplateHash] != oldHash));
        Assert.Equal("now", after[0].Metadata.Annotations["restartedAt"]);
        Assert.Empty(after.Select(p => p.Metadata.Name).Intersect(before.Select(p => p.Metadata.Name)));
    }

    [Fact]
    public async Task StatefulSet_pods_are_numbered_and_scale_down_from_the_highest_ordinal()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        using var history = await PodHistory.StartAsync(_client, ns);

        await _client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSet("db", 3), ns);
        await EventuallyAsync(ns, pods => pods.Count == 3 && pods.All(IsRunning));
        Assert.Equal(["db-0", "db-1", "db-2"], (await ListPodsAsync(ns)).Select(p => p.Metadata.Name).Order());

        var patch = new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch);
        await _client.AppsV1.PatchNamespacedStatefulSetScaleAsync(patch, "db", ns);
        var remaining = await EventuallyAsync(ns, pods => pods.Count == 1);
        Assert.Equal("db-0", remaining[0].Metadata.Name);

        // OrderedReady: db-2 went away before db-1 began terminating.
        await history.EventuallyAsync("db-1", "Deleted", Patience);
        Assert.True(history.IndexOf("db-2", "Deleted") < history.IndexOf("db-1", "Terminating"));
        await EventuallyStatefulSetAsync(ns, "db", s => s.Status?.Replicas == 1 && s.Status.ReadyReplicas == 1);
    }

    [Fact]
    public async Task The_hpa_driver_runs_its_script_within_the_hpa_bounds()
    {
        var ns = await CreateNamespaceAsync();
        await using var simulator = StartSimulator(ns);
        await _client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("worker", 1), ns);
        await _client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
            new V2HorizontalPodAutoscaler
            {
                Metadata = new V1ObjectMeta { Name = "worker" },
                Spec = new V2HorizontalPodAutoscalerSpec
                {
                    MinReplicas = 2,
                    MaxReplicas = 6,
                    ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "worker" },
                },
            },
            ns);

        var driver = new HpaDriver(_client, ns, "worker", TimeProvider.System, NullLogger.Instance);
        _server.Audit.Clear();
        var applied = await driver.RunAsync(HpaScript.Parse("3,9+200ms,1+200ms"), CancellationToken.None);

        // As the real HPA controller: the target's /scale is written first, the HPA's status after.
        var writes = _server.Audit.Entries.Where(e => e.Verb == "patch" && e.Namespace == ns).Select(e => e.CombinedResource)
            .Where(r => r is "deployments/scale" or "horizontalpodautoscalers/status").ToList();
        Assert.Equal(
            ["deployments/scale", "horizontalpodautoscalers/status", "deployments/scale", "horizontalpodautoscalers/status", "deployments/scale", "horizontalpodautoscalers/status"],
            writes);

        Assert.Equal([3, 6, 2], applied);
        var hpa = await _client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("worker", ns);
        Assert.Equal(2, hpa.Status.DesiredReplicas);
        Assert.NotNull(hpa.Status.LastScaleTime);
        Assert.Equal(2, (await _client.AppsV1.ReadNamespacedDeploymentScaleAsync("worker", ns)).Spec.Replicas);
        await EventuallyAsync(ns, pods => pods.Count == 2 && pods.All(IsRunning));
    }

    [Fact]
    public async Task The_hpa_driver_names_an_unsupported_target_kind()
    {
        var ns = await CreateNamespaceAsync();
        await _client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
            new V2HorizontalPodAutoscaler
            {
                Metadata = new V1ObjectMeta { Name = "odd" },
                Spec = new V2HorizontalPodAutoscalerSpec
                {
                    MaxReplicas = 3,
                    ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "odd" },
                },
            },
            ns);

        var driver = new HpaDriver(_client, ns, "odd", TimeProvider.System, NullLogger.Instance);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => driver.SetReplicasAsync(2, CancellationToken.None));

        Assert.Contains("scaleTargetRef.kind", error.Message, StringComparison.Ordinal);
    }

    private WorkloadSimulator StartSimulator(string ns)
    {
        var simulator = new WorkloadSimulator(
            _client,
            new WorkloadSimulatorOptions { PendingDuration = FastOptions.PendingDuration, TerminationGracePeriod = FastOptions.TerminationGracePeriod, Namespaces = [ns] },
            TimeProvider.System,
            NullLogger.Instance);
        simulator.Start();
        return simulator;
    }

    private async Task<string> CreateNamespaceAsync()
    {
        var name = "sim-" + Guid.NewGuid().ToString("N")[..8];
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private async Task ScaleAsync(string ns, string name, int replicas)
    {
        var patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}", V1Patch.PatchType.MergePatch);
        await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, name, ns);
    }

    private async Task<List<V1Pod>> ListPodsAsync(string ns) =>
        (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    /// <summary>Waits, within a bound, until the live (not terminating) pods satisfy the condition; returns them.</summary>
    private async Task<List<V1Pod>> EventuallyAsync(string ns, Func<List<V1Pod>, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<V1Pod> all;
        while (true)
        {
            all = (await _client.CoreV1.ListNamespacedPodAsync(ns)).Items.ToList();
            var live = all.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            if (condition(live))
            {
                return live;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Fail("Pods never reached the expected state: " + string.Join(", ", all.Select(p => $"{p.Metadata.Name}={(p.Metadata.DeletionTimestamp is null ? p.Status?.Phase : "Terminating")}")));
        return [];
    }

    private async Task EventuallyDeploymentAsync(string ns, string name, Func<V1Deployment, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        V1Deployment deployment;
        while (!condition(deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync(name, ns)))
        {
            Assert.True(DateTime.UtcNow < deadline, "Deployment status never matched: " + KubernetesJson.Serialize(deployment.Status));
            await Task.Delay(50);
        }
    }

    private async Task EventuallyStatefulSetAsync(string ns, string name, Func<V1StatefulSet, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        V1StatefulSet statefulSet;
        while (!condition(statefulSet = await _client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns)))
        {
            Assert.True(DateTime.UtcNow < deadline, "StatefulSet status never matched: " + KubernetesJson.Serialize(statefulSet.Status));
            await Task.Delay(50);
        }
    }

    private static bool IsRunning(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static long SequenceOf(V1Pod pod) => long.Parse(pod.Metadata.Annotations[SimulationLabels.SequenceAnnotation], System.Globalization.CultureInfo.InvariantCulture);

    private static V1PodTemplateSpec Template(string app) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "example/app:1" }] },
    };

    private static V1Deployment Deployment(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = Template(name),
        },
    };

    private static V1StatefulSet StatefulSet(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = name,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = Template(name),
        },
    };

    /// <summary>Records, per pod name, the states a watch saw it in: Pending, Running, Terminating, Deleted.</summary>
    private sealed class PodHistory : IDisposable
    {
        private readonly ConcurrentQueue<(string Pod, string State)> _events = new();
        private readonly CancellationTokenSource _stop = new();

        public static async Task<PodHistory> StartAsync(IKubernetes client, string ns)
        {
            var history = new PodHistory();
            var list = await client.CoreV1.ListNamespacedPodAsync(ns);
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: history._stop.Token))
                    {
                        var state = type == WatchEventType.Deleted ? "Deleted"
                            : pod.Metadata.DeletionTimestamp is not null ? "Terminating"
                            : pod.Status?.Phase ?? "";
                        if (state.Length > 0 && history.Of(pod.Metadata.Name).LastOrDefault() != state)
                        {
                            history._events.Enqueue((pod.Metadata.Name, state));
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // The test is over.
                }
            });
            return history;
        }

        public List<string> Of(string pod) => _events.Where(e => e.Pod == pod).Select(e => e.State).ToList();

        public int IndexOf(string pod, string state) => _events.ToList().FindIndex(e => e.Pod == pod && e.State == state);

        public async Task EventuallyAsync(string pod, string state, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (!Of(pod).Contains(state))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{pod} was never seen {state}; seen: {string.Join(",", Of(pod))}");
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}

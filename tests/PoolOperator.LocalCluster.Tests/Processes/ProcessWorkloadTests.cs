using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.LocalCluster.Simulation;
using PoolOperator.LocalCluster.Tests.Support;
using static PoolOperator.LocalCluster.Tests.Processes.ProcessPods;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>A Deployment of a mapped image: the simulator makes the pods, the process kubelet runs them.</summary>
public sealed class ProcessWorkloadTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("poolop-deploy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Replicas_on_the_same_port_each_get_their_own_pod_IP_turn_ready_and_stop_on_scale_down()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        await using var simulator = new WorkloadSimulator(client, new WorkloadSimulatorOptions { ProcessImages = server.ProcessImages }, TimeProvider.System, NullLogger.Instance);
        simulator.Start();
        await File.WriteAllTextAsync(Path.Combine(_directory, "index.html"), "hello");
        var template = WebPod("unused", _directory);
        template.Spec.Containers[0].ReadinessProbe = HttpProbe("/index.html");
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } }, Spec = template.Spec },
            },
        };
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default");

        IList<V1Pod> pods = [];
        await Eventually.TrueAsync(async () =>
        {
            pods = (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web")).Items;
            return pods.Count == 2 && pods.All(IsReady);
        }, "both replicas are ready", TimeSpan.FromSeconds(40));

        var addresses = pods.Select(p => p.Status.PodIP).ToList();
        Assert.Equal(2, addresses.Distinct().Count());
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        foreach (var address in addresses)
        {
            Assert.Equal("hello", await http.GetStringAsync(new Uri($"http://{address}:8080/index.html")));
        }

        await Eventually.TrueAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status?.ReadyReplicas == 2, "the deployment counts two ready replicas");
        var pids = pods.Select(ProcessId).ToList();

        var scale = new V1Patch("{\"spec\":{\"replicas\":0}}", V1Patch.PatchType.MergePatch);
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(scale, "web", "default");

        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web")).Items.Count == 0, "the pods are gone", TimeSpan.FromSeconds(40));
        Assert.DoesNotContain(pids, IsAlive);
    }
}

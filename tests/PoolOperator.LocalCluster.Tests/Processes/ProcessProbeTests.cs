using k8s;
using PoolOperator.LocalCluster.Tests.Support;
using static PoolOperator.LocalCluster.Tests.Processes.ProcessPods;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>httpGet probes against the pod's own address: readiness drives Ready, liveness restarts.</summary>
public sealed class ProcessProbeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("poolop-probe-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_readiness_probe_flips_Ready_both_ways_as_its_path_answers()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var pod = WebPod("web-ready", _directory);
        pod.Spec.Containers[0].ReadinessProbe = HttpProbe("/ready");
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");

        // The probe has reached the server and got a 404: the pod runs but is not ready.
        await Eventually.TrueAsync(async () => (await LogAsync(server, "web-ready")).Contains("\"GET /ready HTTP/1.1\" 404", StringComparison.Ordinal), "a probe got 404");
        var notReady = await client.CoreV1.ReadNamespacedPodAsync("web-ready", "default");
        Assert.Equal("Running", notReady.Status.Phase);
        Assert.False(IsReady(notReady), Describe(notReady));
        Assert.False(MainOf(notReady).Ready);

        await File.WriteAllTextAsync(Path.Combine(_directory, "ready"), "ok");
        var ready = await WaitAsync(client, "web-ready", IsReady, "is ready");
        Assert.True(MainOf(ready).Ready);
        Assert.Equal("True", ready.Status.Conditions.Single(c => c.Type == "ContainersReady").Status);

        File.Delete(Path.Combine(_directory, "ready"));
        var again = await WaitAsync(client, "web-ready", p => !IsReady(p), "is not ready again");
        Assert.Equal(0, MainOf(again).RestartCount);
    }

    [Fact]
    public async Task A_failing_liveness_probe_restarts_the_container_and_counts_the_restart()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        await File.WriteAllTextAsync(Path.Combine(_directory, "alive"), "ok");
        var pod = WebPod("web-live", _directory);
        pod.Spec.TerminationGracePeriodSeconds = 5;
        pod.Spec.Containers[0].LivenessProbe = HttpProbe("/alive", failureThreshold: 2);
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        await Eventually.TrueAsync(async () => (await LogAsync(server, "web-live")).Contains("\"GET /alive HTTP/1.1\" 200", StringComparison.Ordinal), "the probe passed");
        Assert.Equal(0, MainOf(await client.CoreV1.ReadNamespacedPodAsync("web-live", "default")).RestartCount);

        File.Delete(Path.Combine(_directory, "alive"));
        var restarted = await WaitAsync(client, "web-live", p => MainOf(p).RestartCount >= 1, "was restarted");

        Assert.NotNull(MainOf(restarted).LastState.Terminated);
        Assert.NotEqual(0, MainOf(restarted).LastState.Terminated.ExitCode);
        Assert.Contains("\"GET /alive HTTP/1.1\" 404", await LogAsync(server, "web-live", "?previous=true"), StringComparison.Ordinal);
    }
}

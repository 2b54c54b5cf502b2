using k8s;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Kubectl;
using PoolOperator.LocalCluster.Tests.Support;
using static PoolOperator.LocalCluster.Tests.Processes.ProcessPods;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>stdout and stderr behind the real <c>kubectl logs</c>.</summary>
public sealed class ProcessLogsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("poolop-logs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [KubectlFact]
    public async Task Kubectl_logs_shows_stdout_and_stderr_with_tail_container_and_follow()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var kubectl = new KubectlRunner(server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig")));
        var pod = Pod("talker", Shell, "for i in 1 2 3; do echo line $i; done; echo oops >&2; exec sleep 300");
        pod.Spec.Containers.Add(new V1Container { Name = "side", Image = Shell, Args = ["echo first; echo from the sidecar; exec sleep 300"] });
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        await Eventually.TrueAsync(async () => (await LogAsync(server, "talker", "?container=main")).Contains("oops", StringComparison.Ordinal), "the output is there");

        // stdout and stderr are two pipes: each keeps its order, their interleaving is the reader's.
        var all = (await kubectl.OkAsync("logs", "talker", "-c", "main")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["line 1", "line 2", "line 3"], all.Where(l => l != "oops"));
        Assert.Contains("oops", all);
        Assert.Equal("first\nfrom the sidecar\n", await kubectl.OkAsync("logs", "pod/talker", "--container=side"));
        Assert.Equal("from the sidecar\n", await kubectl.OkAsync("logs", "talker", "-c", "side", "--tail=1"));

        // kubectl picks the first container itself; the API asks for a name, as a real one does.
        var defaulted = await kubectl.RunAsync("logs", "talker");
        Assert.Equal(all.Length, defaulted.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Defaulted container \"main\"", defaulted.Stderr, StringComparison.Ordinal);
        Assert.Contains("a container name must be specified for pod talker, choose one of: [main side]", await LogAsync(server, "talker"), StringComparison.Ordinal);
        var none = await kubectl.RunAsync("logs", "talker", "-c", "main", "--previous");
        Assert.Contains("previous terminated container \"main\" in pod \"talker\" not found", none.Stderr, StringComparison.Ordinal);
        var missing = await kubectl.RunAsync("logs", "nobody");
        Assert.Contains("pods \"nobody\" not found", missing.Stderr, StringComparison.Ordinal);

        // Follow streams until the container's run ends.
        var script = Pod("counter", Shell, "echo one; sleep 1; echo two; sleep 1; echo three");
        script.Spec.RestartPolicy = "Never";
        await client.CoreV1.CreateNamespacedPodAsync(script, "default");
        await WaitAsync(client, "counter", p => MainOf(p).State?.Running is not null || MainOf(p).State?.Terminated is not null, "has started");
        var followed = await kubectl.OkAsync("logs", "-f", "counter");
        Assert.Equal(["one", "two", "three"], followed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

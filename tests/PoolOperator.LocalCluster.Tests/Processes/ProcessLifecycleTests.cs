using k8s;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Support;
using static PoolOperator.LocalCluster.Tests.Processes.ProcessPods;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>Exit codes, restart policies, deletion with SIGTERM then SIGKILL, and no process outliving the server.</summary>
public sealed class ProcessLifecycleTests
{
    [Fact]
    public async Task Exit_codes_and_restart_policies_show_in_the_status_as_the_kubelet_reports_them()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var failing = Pod("fails-once", Shell, "echo bye; exit 3");
        failing.Spec.RestartPolicy = "Never";
        var succeeding = Pod("succeeds", Shell, "exit 0");
        succeeding.Spec.RestartPolicy = "OnFailure";
        var crashing = Pod("crashes", Shell, "echo crash; exit 1");
        foreach (var pod in new[] { failing, succeeding, crashing })
        {
            await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        }

        var failed = await WaitAsync(client, "fails-once", p => p.Status?.Phase == "Failed", "has failed");
        var succeeded = await WaitAsync(client, "succeeds", p => p.Status?.Phase == "Succeeded", "has succeeded");
        var restarted = await WaitAsync(client, "crashes", p => MainOf(p).RestartCount >= 1 && MainOf(p).LastState?.Terminated is not null, "was restarted");

        Assert.Equal(3, MainOf(failed).State.Terminated.ExitCode);
        Assert.Equal("Error", MainOf(failed).State.Terminated.Reason);
        Assert.Equal(0, MainOf(failed).RestartCount);
        Assert.Equal("False", failed.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal(0, MainOf(succeeded).State.Terminated.ExitCode);
        Assert.Equal(0, MainOf(succeeded).RestartCount);
        Assert.Equal(1, MainOf(restarted).LastState.Terminated.ExitCode);
        Assert.Equal("Running", restarted.Status.Phase);
        Assert.Contains("crash", await LogAsync(server, "crashes", "?previous=true"), StringComparison.Ordinal);

        // The second exit in a row waits out the kubelet's back-off, visible as CrashLoopBackOff.
        var backingOff = await WaitAsync(client, "crashes", p => MainOf(p).State?.Waiting?.Reason == "CrashLoopBackOff", "backs off");
        Assert.Contains("back-off 10s restarting failed container=main", MainOf(backingOff).State.Waiting.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deletion_sends_SIGTERM_at_once_and_SIGKILL_after_the_grace_period_then_the_pod_goes()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var pod = Pod("stubborn", Shell, "trap 'echo got TERM' TERM; echo started; while true; do sleep 1; done");
        pod.Spec.TerminationGracePeriodSeconds = 10;
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        var running = await WaitAsync(client, "stubborn", p => MainOf(p).State?.Running is not null, "runs");
        var pid = ProcessId(running);
        await Eventually.TrueAsync(async () => (await LogAsync(server, "stubborn")).Contains("started", StringComparison.Ordinal), "the script started");

        await client.CoreV1.DeleteNamespacedPodAsync("stubborn", "default");
        await Eventually.TrueAsync(async () => (await LogAsync(server, "stubborn")).Contains("got TERM", StringComparison.Ordinal), "the process got SIGTERM");

        // It ignored SIGTERM: it still runs and the pod is still there, Terminating, until the grace period ends.
        Assert.True(IsAlive(pid));
        Assert.NotNull((await client.CoreV1.ReadNamespacedPodAsync("stubborn", "default")).Metadata.DeletionTimestamp);
        await WaitGoneAsync(client, "stubborn");
        await Eventually.TrueAsync(() => Task.FromResult(!IsAlive(pid)), "SIGKILL ended the process");
    }

    [Fact]
    public async Task A_process_that_exits_on_SIGTERM_has_its_pod_removed_without_waiting_for_the_grace_period()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var pod = Pod("polite", Shell, "exec sleep 300");
        pod.Spec.TerminationGracePeriodSeconds = 3600;
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");
        var running = await WaitAsync(client, "polite", p => MainOf(p).State?.Running is not null, "runs");

        await client.CoreV1.DeleteNamespacedPodAsync("polite", "default");

        // The server alone would keep the pod for an hour: it goes because the kubelet saw the process exit.
        await WaitGoneAsync(client, "polite");
        Assert.False(IsAlive(ProcessId(running)));
    }

    [Fact]
    public async Task Disposing_the_server_leaves_no_process_behind_children_included()
    {
        var server = await StartAsync();
        List<int> members;
        try
        {
            var client = server.CreateClient();
            await client.CoreV1.CreateNamespacedPodAsync(Pod("family", Shell, "sleep 300 & sleep 300 & echo forked; wait"), "default");
            var running = await WaitAsync(client, "family", p => MainOf(p).State?.Running is not null, "runs");
            await Eventually.TrueAsync(async () => (await LogAsync(server, "family")).Contains("forked", StringComparison.Ordinal), "the children started");
            members = GroupMembers(ProcessId(running));
            Assert.True(members.Count >= 3, $"expected the shell and two children, found {members.Count}");
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.DoesNotContain(members, IsAlive);
    }
}

using k8s.Models;
using PoolOperator.LocalCluster.Processes;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>The process kubelet's pure rules: command-line splitting, $(VAR) expansion, back-off, probe thresholds, addresses, phase.</summary>
public sealed class ProcessUnitTests
{
    [Theory]
    [InlineData("sleep 300", new[] { "sleep", "300" })]
    [InlineData("  python3   -m http.server ", new[] { "python3", "-m", "http.server" })]
    [InlineData("sh -c 'echo $HOME; exit 3'", new[] { "sh", "-c", "echo $HOME; exit 3" })]
    [InlineData("echo \"a \\\"quoted\\\" \\$word\" x", new[] { "echo", "a \"quoted\" $word", "x" })]
    [InlineData("a\\ b c\\\\d", new[] { "a b", "c\\d" })]
    [InlineData("x '' \"\"", new[] { "x", "", "" })]
    [InlineData("dotnet run --project 'src/My App'/x", new[] { "dotnet", "run", "--project", "src/My App/x" })]
    [InlineData("a | b > c", new[] { "a", "|", "b", ">", "c" })]
    public void Command_lines_split_as_a_shell_would_without_running_one(string line, string[] expected)
    {
        Assert.Equal(expected, CommandLine.Split(line));
    }

    [Theory]
    [InlineData("sh -c 'oops")]
    [InlineData("echo \"oops")]
    [InlineData("trailing \\")]
    public void A_malformed_command_line_is_a_clear_error_naming_the_image(string line)
    {
        var error = Assert.Throws<ArgumentException>(() => ProcessImageMap.Parse([new("shop/api:1", line)]));
        Assert.Contains("ProcessImages[shop/api:1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_run_option_needs_an_image_and_a_command()
    {
        Assert.Equal(new KeyValuePair<string, string>("shop/api:1", "dotnet a.dll --x=1"), ProcessImageMap.ParseOption("shop/api:1=dotnet a.dll --x=1"));
        Assert.Contains("IMAGE=COMMAND", Assert.Throws<ArgumentException>(() => ProcessImageMap.ParseOption("shop/api:1")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ProcessImageMap.ParseOption("=sleep 1"));
        Assert.Throws<ArgumentException>(() => ProcessImageMap.Parse([new("x", "   ")]));
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$(MISSING) stays", "$(MISSING) stays")]
    [InlineData("$$(A) is escaped, $$ is one", "$(A) is escaped, $ is one")]
    [InlineData("$A and $(A", "$A and $(A")]
    [InlineData("plain", "plain")]
    public void Variables_expand_as_the_kubelet_expands_them(string text, string expected)
    {
        var variables = new Dictionary<string, string> { ["A"] = "1", ["B"] = "two" };
        Assert.Equal(expected, EnvironmentExpansion.Expand(text, variables));
    }

    [Fact]
    public void Restarts_back_off_from_immediately_to_ten_seconds_doubling_to_the_cap_and_reset_after_a_long_run()
    {
        var backoff = RestartBackoff.Kubelet();
        var quick = TimeSpan.FromSeconds(1);
        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next(quick).TotalSeconds).ToList();

        Assert.Equal([0, 10, 20, 40, 80, 160, 300, 300], delays);
        Assert.Equal(TimeSpan.Zero, backoff.Next(RestartBackoff.ResetAfter));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Next(quick));
    }

    [Fact]
    public void A_probe_flips_only_after_its_threshold_of_results_in_a_row()
    {
        var readiness = new ProbeState(initiallySucceeding: false, successThreshold: 2, failureThreshold: 3);
        Assert.False(readiness.Record(true));
        Assert.False(readiness.Record(false));
        Assert.False(readiness.Record(true));
        Assert.True(readiness.Record(true));
        Assert.True(readiness.Succeeding);
        Assert.False(readiness.Record(false));
        Assert.False(readiness.Record(false));
        Assert.True(readiness.Record(false));
        Assert.False(readiness.Succeeding);

        var liveness = new ProbeState(initiallySucceeding: true, successThreshold: 1, failureThreshold: 1);
        Assert.True(liveness.Record(false));
        Assert.False(liveness.Succeeding);
    }

    [Fact]
    public void Loopback_addresses_are_unique_while_held_and_skip_the_servers_own()
    {
        var pool = new LoopbackAddressPool();
        var addresses = Enumerable.Range(0, 600).Select(_ => pool.Allocate()).ToList();

        Assert.Equal(addresses.Count, addresses.Distinct().Count());
        Assert.DoesNotContain("127.0.0.1", addresses);
        Assert.All(addresses, a => Assert.StartsWith("127.0.", a, StringComparison.Ordinal));
        Assert.DoesNotContain(addresses, a => a.EndsWith(".0", StringComparison.Ordinal) || a.EndsWith(".255", StringComparison.Ordinal));
        Assert.Equal("127.0.0.2", addresses[0]);
        pool.Release(addresses[0]);
        Assert.NotEqual("127.0.0.2", pool.Allocate());
    }

    [Fact]
    public void Phase_is_pending_until_a_container_ran_then_running_then_succeeded_or_failed_when_all_are_done()
    {
        static V1ContainerStatus Container(V1ContainerState state, V1ContainerState? last = null) => new() { Name = "c", State = state, LastState = last };
        var waiting = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CreateContainerConfigError" } };
        var running = new V1ContainerState { Running = new V1ContainerStateRunning() };
        V1ContainerState Exited(int code) => new() { Terminated = new V1ContainerStateTerminated { ExitCode = code } };

        Assert.Equal("Pending", ProcessPodStatus.Phase([Container(waiting)], finished: false));
        Assert.Equal("Running", ProcessPodStatus.Phase([Container(running)], finished: false));
        Assert.Equal("Running", ProcessPodStatus.Phase([Container(waiting, Exited(1))], finished: false));
        Assert.Equal("Succeeded", ProcessPodStatus.Phase([Container(Exited(0)), Container(Exited(0))], finished: true));
        Assert.Equal("Failed", ProcessPodStatus.Phase([Container(Exited(0)), Container(Exited(2))], finished: true));
    }

    [Fact]
    public void Downward_api_fields_come_from_the_pod()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "api-1", NamespaceProperty = "shop", Uid = "u-1",
                Labels = new Dictionary<string, string> { ["app"] = "api" },
                Annotations = new Dictionary<string, string> { ["note"] = "n" },
            },
            Spec = new V1PodSpec { ServiceAccountName = "orders", Containers = [] },
        };

        Assert.Equal("u-1", PodEnvironment.FieldValue(pod, "metadata.uid", "127.0.0.9"));
        Assert.Equal("shop", PodEnvironment.FieldValue(pod, "metadata.namespace", "127.0.0.9"));
        Assert.Equal("api", PodEnvironment.FieldValue(pod, "metadata.labels['app']", "127.0.0.9"));
        Assert.Equal("n", PodEnvironment.FieldValue(pod, "metadata.annotations['note']", "127.0.0.9"));
        Assert.Equal("127.0.0.9", PodEnvironment.FieldValue(pod, "status.podIP", "127.0.0.9"));
        Assert.Equal("orders", PodEnvironment.FieldValue(pod, "spec.serviceAccountName", "127.0.0.9"));
        Assert.Equal(ProcessKubelet.NodeName, PodEnvironment.FieldValue(pod, "spec.nodeName", "127.0.0.9"));
        Assert.Contains("metadata.generation", Assert.Throws<ContainerConfigException>(() => PodEnvironment.FieldValue(pod, "metadata.generation", "x")).Message, StringComparison.Ordinal);
    }
}

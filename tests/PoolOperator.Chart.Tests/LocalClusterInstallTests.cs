using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.Chart.Tests.Infrastructure;
using PoolOperator.LocalCluster;
using PoolOperator.LocalCluster.Simulation;
using PoolOperator.Testing.Tools;
using Xunit.Abstractions;

namespace PoolOperator.Chart.Tests;

/// <summary>
/// Installs the way a user does, with the real kubectl, against the in-process local cluster: the
/// chart's objects (or the plain manifests), then the example budget and application. Kinds the local
/// cluster does not serve (e.g. PodDisruptionBudget) are left out and named in the test output.
/// The workload simulator plays the controllers, so the Deployments get running pods.
/// <c>helm install</c> itself is not run here: helm stores its release record in a Secret through
/// client-go's typed client, which sends protobuf, and the local cluster speaks JSON and YAML only.
/// </summary>
public sealed class LocalClusterInstallTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private LocalKubernetesServer _server = null!;
    private string _kubeconfig = null!;
    private HashSet<(string ApiVersion, string Kind)> _served = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalKubernetesServer.StartAsync();
        _kubeconfig = _server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"pool-operator-chart-{Guid.NewGuid():N}", "kubeconfig"));
        _served = await ServedKindsAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_kubeconfig)!, recursive: true);
    }

    [Fact]
    public async Task The_chart_and_the_examples_apply_and_the_budget_is_listed()
    {
        await using var simulator = StartSimulator();
        await KubectlAsync(["apply", "-f", RepositoryPaths.Of("deploy", "namespace.yaml")]);
        var rendered = await Helm.TryTemplateAsync("--include-crds");
        Assert.True(rendered.ExitCode == 0, rendered.ToString());
        await ApplyServedAsync(rendered.Output);

        var deployment = await GetJsonAsync(["get", "deployment", "pool-operator", "-n", Helm.Namespace]);
        Assert.Equal(2, deployment.GetProperty("spec").GetProperty("replicas").GetInt32());
        await EventuallyRunningAsync(Helm.Namespace, "app.kubernetes.io/name=pool-operator", 2);

        // What NOTES.txt tells the user to run next.
        var rollout = await KubectlAsync(["rollout", "status", "deployment/pool-operator", "-n", Helm.Namespace, "--timeout=20s"]);
        Assert.Contains("successfully rolled out", rollout, StringComparison.Ordinal);

        await KubectlAsync(["apply", "-f", RepositoryPaths.Of("examples", "budget-basic.yaml")]);
        await ApplyServedAsync(string.Join("\n---\n", Directory.GetFiles(RepositoryPaths.Of("examples", "app"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText)));
        await EventuallyRunningAsync("default", "app.kubernetes.io/name=orders-api", 3);
        await KubectlAsync(["scale", "deployment/orders-api", "-n", "default", "--replicas=5"]);
        await EventuallyRunningAsync("default", "app.kubernetes.io/name=orders-api", 5);

        var budgets = await KubectlAsync(["get", "dbb", "-n", "default"]);
        Assert.Contains("orders-db", budgets, StringComparison.Ordinal);
        var role = await GetJsonAsync(["get", "role", "pool-operator-agent", "-n", "default"]);
        Assert.Equal(2, role.GetProperty("rules").GetArrayLength());
    }

    [Fact]
    public async Task The_plain_manifests_apply()
    {
        await using var simulator = StartSimulator();
        var rendered = await ToolProcess.RunAsync(ToolProcess.Kubectl, ["kustomize", RepositoryPaths.Of("deploy")]);
        Assert.True(rendered.ExitCode == 0, rendered.ToString());

        await ApplyServedAsync(rendered.Output);

        await EventuallyRunningAsync("pool-operator", "app.kubernetes.io/name=pool-operator", 2);
        var crds = await KubectlAsync(["get", "crd", "-o", "name"]);
        Assert.Contains("databasebudgets.pooloperator.io", crds, StringComparison.Ordinal);
        Assert.Contains("connectiongrants.pooloperator.io", crds, StringComparison.Ordinal);
    }

    private WorkloadSimulator StartSimulator()
    {
        var simulator = new WorkloadSimulator(
            _server.CreateClient(),
            new WorkloadSimulatorOptions { PendingDuration = TimeSpan.FromMilliseconds(200), TerminationGracePeriod = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System,
            NullLogger.Instance);
        simulator.Start();
        return simulator;
    }

    /// <summary>Applies the documents of kinds the local cluster serves, CRDs first, and logs the rest.</summary>
    private async Task ApplyServedAsync(string yaml)
    {
        var documents = ManifestDocuments.Split(yaml);
        var skipped = documents.Where(d => !_served.Contains((d.ApiVersion, d.Kind))).ToList();
        foreach (var document in skipped)
        {
            output.WriteLine($"not applied (the local cluster does not serve {document.ApiVersion} {document.Kind}): {document.Name}");
        }

        Assert.DoesNotContain(skipped, d => d.Kind is "Deployment" or "CustomResourceDefinition" or "ClusterRole" or "Role" or "RoleBinding" or "ServiceAccount");
        var served = documents.Except(skipped).ToList();
        var crds = served.Where(d => d.Kind == "CustomResourceDefinition").ToList();
        if (crds.Count > 0)
        {
            await KubectlAsync(["apply", "-f", "-"], ManifestDocuments.Join(crds));
        }

        await KubectlAsync(["apply", "-f", "-"], ManifestDocuments.Join(served.Except(crds)));
    }

    private async Task<HashSet<(string, string)>> ServedKindsAsync()
    {
        var table = await KubectlAsync(["api-resources", "--no-headers"]);
        var served = new HashSet<(string, string)>();
        foreach (var line in table.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            served.Add((columns[^3], columns[^1]));
        }

        output.WriteLine("served: " + string.Join(", ", served.Select(s => $"{s.Item1} {s.Item2}")));
        return served;
    }

    private async Task EventuallyRunningAsync(string ns, string selector, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var pods = (await GetJsonAsync(["get", "pods", "-n", ns, "-l", selector])).GetProperty("items").EnumerateArray()
                .Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _))
                .Select(p => p.TryGetProperty("status", out var s) && s.TryGetProperty("phase", out var phase) ? phase.GetString() : null)
                .ToList();
            if (pods.Count == count && pods.All(p => p == "Running"))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pods {selector} in {ns}: [{string.Join(", ", pods)}], expected {count} Running");
            await Task.Delay(100);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string[] arguments)
    {
        using var document = JsonDocument.Parse(await KubectlAsync([.. arguments, "-o", "json"]));
        return document.RootElement.Clone();
    }

    private async Task<string> KubectlAsync(string[] arguments, string? input = null)
    {
        var result = await ToolProcess.RunAsync(ToolProcess.Kubectl, ["--kubeconfig", _kubeconfig, .. arguments], input);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}");
        return result.Output;
    }
}

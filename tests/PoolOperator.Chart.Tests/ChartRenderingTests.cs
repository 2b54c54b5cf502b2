using PoolOperator.Chart.Tests.Infrastructure;
using PoolOperator.Testing.Tools;

namespace PoolOperator.Chart.Tests;

/// <summary>helm lint and helm template with the real helm binary, and what values.schema.json rejects.</summary>
public sealed class ChartRenderingTests
{
    [Fact]
    public async Task Lint_passes_with_the_default_values()
    {
        var result = await Helm.LintAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 chart(s) failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_passes_with_non_default_values()
    {
        var result = await Helm.LintAsync("--values", Helm.ValuesFile("namespaced.yaml"));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Template_renders_the_operator_objects_with_the_default_values()
    {
        var chart = await Helm.TemplateAsync();

        var kinds = chart.Objects.Select(o => o.Kind).Order().ToList();
        Assert.Equal(
            ["ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount"],
            kinds);
    }

    [Fact]
    public async Task Template_with_crds_includes_both_crds()
    {
        var chart = await Helm.TemplateAsync("--include-crds");

        Assert.Equal(
            ["connectiongrants.pooloperator.io", "databasebudgets.pooloperator.io"],
            chart.All<k8s.Models.V1CustomResourceDefinition>().Select(c => c.Metadata.Name).Order());
    }

    [Fact]
    public async Task Template_renders_the_optional_objects_when_asked()
    {
        var chart = await Helm.TemplateAsync("--values", Helm.ValuesFile("namespaced.yaml"));

        var monitor = chart.Single<ServiceMonitor>();
        var endpoint = Assert.Single(monitor.Spec.Endpoints);
        Assert.Equal(("http", "/metrics", "15s"), (endpoint.Port, endpoint.Path, endpoint.Interval));
        Assert.Equal("prometheus", monitor.Metadata.Labels["release"]);
        Assert.Equal("2", chart.Single<k8s.Models.V1PodDisruptionBudget>().Spec.MinAvailable.Value);
    }

    [Fact]
    public async Task One_replica_gets_no_pod_disruption_budget()
    {
        var chart = await Helm.TemplateAsync("--set", "replicaCount=1");

        Assert.Empty(chart.All<k8s.Models.V1PodDisruptionBudget>());
    }

    [Theory]
    [InlineData("wrong-type.yaml", "/replicaCount", "want integer")]
    [InlineData("unknown-key.yaml", "", "'replicas' not allowed")]
    public async Task The_schema_rejects_bad_values_files(string file, string path, string message)
    {
        var result = await Helm.TryTemplateAsync("--values", Helm.ValuesFile(file));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"at '{path}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--set-string", "leaderElection.enabled=yes", "/leaderElection/enabled")]
    [InlineData("--set", "resyncPeriod=5m", "/resyncPeriod")]
    [InlineData("--set", "watchNamespaces[0]=Not_A_Namespace", "/watchNamespaces/0")]
    [InlineData("--set", "image.pullPolicy=Sometimes", "/image/pullPolicy")]
    [InlineData("--set", "metrics.serviceMonitor.enabeld=true", "/metrics/serviceMonitor")]
    [InlineData("--set", "httpPort=80", "/httpPort")]
    public async Task The_schema_names_the_bad_setting(string flag, string setting, string path)
    {
        var result = await Helm.TryTemplateAsync(flag, setting);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"at '{path}'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_notes_tell_the_user_what_to_apply_next()
    {
        var notes = await NotesAsync();

        Assert.Contains("rollout status deployment/pool-operator", notes, StringComparison.Ordinal);
        Assert.Contains("examples/app/agent-rbac.yaml", notes, StringComparison.Ordinal);
        Assert.Contains("kind: DatabaseBudget", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl get dbb", notes, StringComparison.Ordinal);
        Assert.Contains("Watching: all namespaces", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_notes_follow_the_values()
    {
        var notes = await NotesAsync("--values", Helm.ValuesFile("namespaced.yaml"));

        Assert.Contains("Watching: shop, billing", notes, StringComparison.Ordinal);
        Assert.Contains("this release created it in: shop, billing", notes, StringComparison.Ordinal);
        Assert.Contains("Lease shop/pool-operator-shop", notes, StringComparison.Ordinal);
    }

    /// <summary>NOTES.txt as helm install prints it (a client-side dry run: no cluster needed).</summary>
    private static async Task<string> NotesAsync(params string[] extraArguments)
    {
        var result = await ToolProcess.RunAsync(
            ToolProcess.Helm,
            ["install", Helm.Release, RepositoryPaths.Chart, "--namespace", Helm.Namespace, "--dry-run=client", .. extraArguments]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var start = result.Output.IndexOf("NOTES:", StringComparison.Ordinal);
        Assert.True(start >= 0, "no NOTES in: " + result.Output);
        return result.Output[start..];
    }

    [Fact]
    public async Task Two_replicas_without_leader_election_are_refused_with_a_reason()
    {
        var result = await Helm.TryTemplateAsync("--set", "leaderElection.enabled=false");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("leaderElection.enabled is false with replicaCount > 1", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await Helm.TryTemplateAsync("--set", "leaderElection.enabled=false", "--set", "replicaCount=1")).ExitCode);
    }
}

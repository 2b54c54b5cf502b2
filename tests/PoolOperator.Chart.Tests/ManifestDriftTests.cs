using k8s.Models;
using PoolOperator.Chart.Tests.Infrastructure;
using PoolOperator.Testing.Tools;

namespace PoolOperator.Chart.Tests;

/// <summary>The copies that must not drift: the chart's CRDs, the plain manifests, the kustomization.</summary>
public sealed class ManifestDriftTests
{
    [Fact]
    public void The_chart_crds_are_identical_to_deploy_crds()
    {
        var source = RepositoryPaths.Of("deploy", "crds");
        var copy = Path.Combine(RepositoryPaths.Chart, "crds");
        var names = Directory.GetFiles(source, "*.yaml").Select(Path.GetFileName).Order().ToList();

        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(copy).Select(Path.GetFileName).Order());
        foreach (var name in names)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(source, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(copy, name!))),
                $"charts/pool-operator/crds/{name} differs from deploy/crds/{name}: copy it again (cp deploy/crds/*.yaml charts/pool-operator/crds/).");
        }
    }

    [Fact]
    public async Task The_plain_manifests_are_the_chart_rendered_with_default_values()
    {
        var regenerated = Path.Combine(Path.GetTempPath(), $"pool-operator-{Guid.NewGuid():N}.yaml");
        try
        {
            var result = await ToolProcess.RunAsync("bash", [RepositoryPaths.Of("deploy", "generate.sh"), regenerated], environment: new Dictionary<string, string> { ["HELM"] = ToolProcess.Helm });
            Assert.True(result.ExitCode == 0, result.ToString());

            Assert.True(
                await File.ReadAllTextAsync(regenerated) == await File.ReadAllTextAsync(RepositoryPaths.Of("deploy", "operator.yaml")),
                "deploy/operator.yaml is out of date with the chart: run bash deploy/generate.sh");
        }
        finally
        {
            File.Delete(regenerated);
        }
    }

    [Fact]
    public async Task The_kustomization_renders_the_crds_and_the_operator_into_its_namespace()
    {
        var result = await ToolProcess.RunAsync(ToolProcess.Kubectl, ["kustomize", RepositoryPaths.Of("deploy")]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var objects = RenderedChart.Parse(result.Output);

        Assert.Equal(2, objects.All<V1CustomResourceDefinition>().Count);
        Assert.Equal("pool-operator", objects.Single<V1Namespace>().Metadata.Name);
        Assert.All(
            objects.Objects.Where(o => o is not (V1CustomResourceDefinition or V1Namespace or V1ClusterRole or V1ClusterRoleBinding)),
            o => Assert.Equal("pool-operator", o.Metadata.NamespaceProperty));
        Assert.DoesNotContain(objects.Objects, o => o.Metadata.Labels?.ContainsKey("helm.sh/chart") == true);
        Assert.Equal("ghcr.io/pooloperator/pool-operator:0.1.0", Assert.Single(objects.Operator.Spec.Template.Spec.Containers).Image);
    }
}

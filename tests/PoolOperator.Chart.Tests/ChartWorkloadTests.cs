using System.Xml.Linq;
using k8s.Models;
using PoolOperator.Chart.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PoolOperator.Chart.Tests;

/// <summary>The operator Deployment: security, probes, image, configuration and labels.</summary>
public sealed class ChartWorkloadTests
{
    private static readonly string[] RecommendedLabels =
    [
        "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
        "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_pod_meets_the_restricted_pod_security_standard(bool nonDefault)
    {
        var chart = await Render(nonDefault);
        var pod = chart.Operator.Spec.Template.Spec;
        var container = chart.OperatorContainer;

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        var security = container.SecurityContext;
        Assert.True(security.RunAsNonRoot);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Null(security.Capabilities.Add);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.NotEqual(true, security.Privileged);
        Assert.Null(pod.HostNetwork);
        Assert.All(pod.Volumes, v => Assert.Null(v.HostPath));
    }

    [Fact]
    public async Task Probes_point_at_healthz_and_readyz_on_the_http_port()
    {
        var container = (await Helm.TemplateAsync()).OperatorContainer;

        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 8080, "TCP"), (port.Name, port.ContainerPort, port.Protocol));
        Assert.Equal(("/healthz", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/readyz", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
    }

    [Fact]
    public async Task The_metrics_service_targets_the_http_port_of_the_operator_pods()
    {
        var chart = await Helm.TemplateAsync();

        var service = chart.Single<V1Service>();
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(("http", "http"), (port.Name, port.TargetPort.Value));
        Assert.Equal(chart.Operator.Spec.Selector.MatchLabels, service.Spec.Selector);
    }

    [Fact]
    public async Task Resources_have_requests_and_limits()
    {
        var container = (await Helm.TemplateAsync()).OperatorContainer;

        Assert.Contains("cpu", container.Resources.Requests.Keys);
        Assert.Contains("memory", container.Resources.Requests.Keys);
        Assert.Contains("memory", container.Resources.Limits.Keys);
    }

    [Fact]
    public async Task Two_replicas_by_default()
    {
        Assert.Equal(2, (await Helm.TemplateAsync()).Operator.Spec.Replicas);
    }

    [Fact]
    public async Task The_image_tag_defaults_to_the_app_version_and_can_be_overridden()
    {
        var appVersion = ChartYaml()["appVersion"];

        Assert.Equal($"ghcr.io/pooloperator/pool-operator:{appVersion}", (await Helm.TemplateAsync()).OperatorContainer.Image);
        Assert.Equal("registry.example.com/mirror/pool-operator:0.1.0-custom", (await Render(nonDefault: true)).OperatorContainer.Image);
        var digest = "sha256:" + new string('a', 64);
        Assert.Equal("ghcr.io/pooloperator/pool-operator@" + digest, (await Helm.TemplateAsync("--set", "image.digest=" + digest)).OperatorContainer.Image);
    }

    [Fact]
    public void The_chart_version_and_app_version_are_the_project_version()
    {
        var projectVersion = XDocument.Load(RepositoryPaths.Of("Directory.Build.props")).Descendants("Version").Single().Value;
        var chart = ChartYaml();

        Assert.Equal(projectVersion, chart["appVersion"]);
        Assert.Equal(projectVersion, chart["version"]);
    }

    [Fact]
    public async Task Configuration_reaches_the_operator_through_the_agreed_environment()
    {
        var env = (await Helm.TemplateAsync()).OperatorContainer.Env.ToDictionary(e => e.Name);

        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("00:05:00", env["Operator__ResyncPeriod"].Value);
        Assert.Equal("200", env["Operator__ApiQps"].Value);
        Assert.Equal("400", env["Operator__ApiBurst"].Value);
        Assert.Equal("8080", env["Operator__HttpPort"].Value);
        Assert.Equal("true", env["Operator__LeaderElection__Enabled"].Value);
        Assert.Equal("pool-operator", env["Operator__LeaderElection__LeaseName"].Value);
        Assert.Equal(Helm.Namespace, env["Operator__LeaderElection__LeaseNamespace"].Value);
        Assert.Equal("00:00:15", env["Operator__LeaderElection__LeaseDuration"].Value);
        Assert.Equal("00:00:10", env["Operator__LeaderElection__RenewDeadline"].Value);
        Assert.Equal("00:00:02", env["Operator__LeaderElection__RetryPeriod"].Value);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Operator__WatchNamespaces", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watched_namespaces_become_indexed_environment_variables()
    {
        var env = (await Render(nonDefault: true)).OperatorContainer.Env.ToDictionary(e => e.Name);

        Assert.Equal("shop", env["Operator__WatchNamespaces__0"].Value);
        Assert.Equal("billing", env["Operator__WatchNamespaces__1"].Value);
        Assert.Equal("shop", env["Operator__LeaderElection__LeaseNamespace"].Value);
        Assert.Equal("00:01:30", env["Operator__ResyncPeriod"].Value);
        Assert.Equal("25.5", env["Operator__ApiQps"].Value);
        Assert.Equal("60", env["Operator__ApiBurst"].Value);
        Assert.Equal("0", env["DOTNET_gcServer"].Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_object_carries_the_recommended_labels(bool nonDefault)
    {
        var chart = await Render(nonDefault);
        var appVersion = ChartYaml()["appVersion"];

        foreach (var obj in chart.Objects)
        {
            var labels = obj.Metadata.Labels;
            Assert.All(RecommendedLabels, l => Assert.True(labels.ContainsKey(l), $"{obj.Kind} {obj.Metadata.Name} lacks {l}"));
            Assert.Equal("pool-operator", labels["app.kubernetes.io/name"]);
            Assert.Equal(Helm.Release, labels["app.kubernetes.io/instance"]);
            Assert.Equal(appVersion, labels["app.kubernetes.io/version"]);
            Assert.Equal("Helm", labels["app.kubernetes.io/managed-by"]);
        }

        // The selector uses only labels that never change across upgrades, and the pods carry them.
        var deployment = chart.Operator;
        Assert.Equal(["app.kubernetes.io/instance", "app.kubernetes.io/name"], deployment.Spec.Selector.MatchLabels.Keys.Order());
        Assert.All(deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, deployment.Spec.Template.Metadata.Labels[l.Key]));
    }

    private static Task<RenderedChart> Render(bool nonDefault) =>
        nonDefault ? Helm.TemplateAsync("--values", Helm.ValuesFile("namespaced.yaml")) : Helm.TemplateAsync();

    private static Dictionary<string, string> ChartYaml()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryPaths.Chart, "Chart.yaml"));
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return root.Children.Where(c => c.Value is YamlScalarNode)
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!);
    }
}

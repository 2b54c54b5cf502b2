using k8s;
using k8s.Models;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>Rendered manifests parsed into KubernetesClient's typed objects.</summary>
internal sealed class RenderedChart
{
    // Kinds outside KubernetesClient's built-in models that the chart can render.
    private static readonly Dictionary<string, Type> ExtraKinds = new(StringComparer.Ordinal)
    {
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
    };

    private RenderedChart(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, string yaml)
    {
        Objects = objects;
        Yaml = yaml;
    }

    /// <summary>Every object, in rendering order.</summary>
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    /// <summary>The YAML as rendered.</summary>
    public string Yaml { get; }

    /// <summary>Parses multi-document YAML.</summary>
    public static RenderedChart Parse(string yaml)
    {
        var objects = KubernetesYaml.LoadAllFromString(yaml, ExtraKinds)
            .Select(o => o as IKubernetesObject<V1ObjectMeta> ?? throw new InvalidOperationException($"Not a Kubernetes object: {o?.GetType()}"))
            .ToList();
        return new RenderedChart(objects, yaml);
    }

    /// <summary>All objects of one type.</summary>
    public IReadOnlyList<T> All<T>() => Objects.OfType<T>().ToList();

    /// <summary>The only object of one type.</summary>
    public T Single<T>() => Assert.Single(All<T>());

    /// <summary>The operator's Deployment.</summary>
    public V1Deployment Operator => Single<V1Deployment>();

    /// <summary>The operator container.</summary>
    public V1Container OperatorContainer => Assert.Single(Operator.Spec.Template.Spec.Containers);
}

/// <summary>Just enough of the Prometheus Operator's ServiceMonitor to check what the chart renders.</summary>
internal sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "monitoring.coreos.com/v1";

    public string Kind { get; set; } = "ServiceMonitor";

    public V1ObjectMeta Metadata { get; set; } = new();

    public ServiceMonitorSpec Spec { get; set; } = new();
}

internal sealed class ServiceMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();

    public Dictionary<string, List<string>>? NamespaceSelector { get; set; }

    public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

internal sealed class ServiceMonitorEndpoint
{
    public string? Port { get; set; }

    public string? Path { get; set; }

    public string? Interval { get; set; }

    public string? ScrapeTimeout { get; set; }
}

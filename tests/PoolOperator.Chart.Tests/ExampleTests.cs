using k8s;
using k8s.Models;
using PoolOperator.Chart.Tests.Infrastructure;

namespace PoolOperator.Chart.Tests;

/// <summary>examples/app: an application wired to the agent, consistent with its budget, Role and HPA.</summary>
public sealed class ExampleTests
{
    private static readonly RenderedChart App = RenderedChart.Parse(string.Join(
        "\n---\n",
        Directory.GetFiles(RepositoryPaths.Of("examples", "app"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText)));

    private static V1Deployment Deployment => App.Single<V1Deployment>();

    private static Dictionary<string, V1EnvVar> Env => Assert.Single(Deployment.Spec.Template.Spec.Containers).Env.ToDictionary(e => e.Name);

    [Fact]
    public void The_pods_get_their_name_namespace_uid_and_ip_from_the_downward_api()
    {
        Assert.Equal("metadata.name", Env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", Env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.uid", Env["POD_UID"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", Env["POD_IP"].ValueFrom.FieldRef.FieldPath);
    }

    [Fact]
    public void The_agent_follows_grants_no_static_limit_switches_it_off()
    {
        // POOLOPERATOR_STATIC_LIMIT makes the agent ignore its grant: the example must never set it.
        Assert.DoesNotContain(Env.Keys, name => name.StartsWith("POOLOPERATOR_", StringComparison.Ordinal) && name != "POOLOPERATOR_BUDGET");
    }

    [Fact]
    public void Readiness_waits_for_the_grant_and_liveness_only_for_the_process()
    {
        var container = Assert.Single(Deployment.Spec.Template.Spec.Containers);

        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("http", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Contains(container.Ports, p => p.Name == "http" && p.ContainerPort == 8080);
    }

    [Fact]
    public void The_budget_the_pods_name_lists_their_deployment()
    {
        var budget = Assert.Single(KubernetesYaml.LoadAllFromString(
            File.ReadAllText(RepositoryPaths.Of("examples", "budget-basic.yaml")),
            new Dictionary<string, Type> { ["pooloperator.io/v1alpha1/DatabaseBudget"] = typeof(BudgetDocument) })).As<BudgetDocument>();

        Assert.Equal(budget.Metadata.Name, Env["POOLOPERATOR_BUDGET"].Value);
        Assert.Contains(budget.Spec.Workloads, w => w.Kind == "Deployment" && w.Name == Deployment.Metadata.Name);
    }

    [Fact]
    public void The_agent_role_is_bound_to_the_pods_service_account()
    {
        var account = App.Single<V1ServiceAccount>();
        var binding = App.Single<V1RoleBinding>();

        Assert.Equal(account.Metadata.Name, Deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal(("Role", App.Single<V1Role>().Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(("ServiceAccount", account.Metadata.Name), (Assert.Single(binding.Subjects).Kind, binding.Subjects[0].Name));
    }

    [Fact]
    public void The_hpa_scales_the_deployment()
    {
        var hpa = App.Single<V2HorizontalPodAutoscaler>();

        Assert.Equal(("Deployment", Deployment.Metadata.Name), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.True(hpa.Spec.MinReplicas <= Deployment.Spec.Replicas && Deployment.Spec.Replicas <= hpa.Spec.MaxReplicas);
    }

    [Fact]
    public void The_connection_string_comes_from_the_secret_in_the_example()
    {
        var secret = App.Single<V1Secret>();
        var reference = Env["ConnectionStrings__Orders"].ValueFrom.SecretKeyRef;

        Assert.Equal(secret.Metadata.Name, reference.Name);
        Assert.Contains(reference.Key, secret.StringData.Keys);
    }

    [Fact]
    public void The_application_pods_meet_the_restricted_standard_too()
    {
        var security = Assert.Single(Deployment.Spec.Template.Spec.Containers).SecurityContext;

        Assert.True(Deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", Deployment.Spec.Template.Spec.SecurityContext.SeccompProfile.Type);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
    }

    /// <summary>The budget fields these tests read (the real type lives in src/Api, which this project does not reference).</summary>
    private sealed class BudgetDocument : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "";

        public string Kind { get; set; } = "";

        public V1ObjectMeta Metadata { get; set; } = new();

        public BudgetSpec Spec { get; set; } = new();
    }

    private sealed class BudgetSpec
    {
        public List<BudgetWorkload> Workloads { get; set; } = [];
    }

    private sealed class BudgetWorkload
    {
        public string Kind { get; set; } = "";

        public string Name { get; set; } = "";
    }
}

internal static class ObjectExtensions
{
    public static T As<T>(this object value) => Assert.IsType<T>(value);
}

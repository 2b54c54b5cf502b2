using k8s.Models;
using PoolOperator.Chart.Tests.Infrastructure;

namespace PoolOperator.Chart.Tests;

/// <summary>The chart's RBAC grants exactly the operator's and the agent's API calls: no wildcards, nothing more.</summary>
public sealed class ChartRbacTests
{
    [Fact]
    public async Task All_namespaces_mode_binds_a_cluster_role_with_exactly_the_operator_calls()
    {
        var chart = await Helm.TemplateAsync();

        var clusterRole = chart.Single<V1ClusterRole>();
        RbacRules.AssertExactly(RbacRules.OperatorWatch, RbacRules.Flatten(clusterRole.Rules), "ClusterRole");
        var binding = chart.Single<V1ClusterRoleBinding>();
        Assert.Equal(("ClusterRole", clusterRole.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        AssertBoundToOperator(chart, binding.Subjects);

        var leaseRole = chart.Single<V1Role>();
        Assert.Equal(Helm.Namespace, leaseRole.Metadata.NamespaceProperty);
        RbacRules.AssertExactly(RbacRules.LeaderElection(), RbacRules.Flatten(leaseRole.Rules), "leader-election Role");
        var leaseBinding = chart.Single<V1RoleBinding>();
        Assert.Equal((Helm.Namespace, leaseRole.Metadata.Name), (leaseBinding.Metadata.NamespaceProperty, leaseBinding.RoleRef.Name));
        AssertBoundToOperator(chart, leaseBinding.Subjects);
    }

    [Fact]
    public async Task Namespace_mode_uses_a_role_per_watched_namespace_and_nothing_cluster_wide()
    {
        var chart = await Helm.TemplateAsync("--values", Helm.ValuesFile("namespaced.yaml"));

        Assert.Empty(chart.All<V1ClusterRole>());
        Assert.Empty(chart.All<V1ClusterRoleBinding>());
        var operatorRoles = chart.All<V1Role>().Where(r => r.Metadata.Labels["app.kubernetes.io/component"] == "operator").ToList();
        var bindings = chart.All<V1RoleBinding>().Where(r => r.Metadata.Labels["app.kubernetes.io/component"] == "operator").ToList();
        foreach (var ns in new[] { "shop", "billing" })
        {
            var watchRole = operatorRoles.Single(r => r.Metadata.NamespaceProperty == ns && !r.Metadata.Name.EndsWith("-leader-election", StringComparison.Ordinal));
            RbacRules.AssertExactly(RbacRules.OperatorWatch, RbacRules.Flatten(watchRole.Rules), $"Role in {ns}");
            var binding = bindings.Single(b => b.Metadata.NamespaceProperty == ns && b.RoleRef.Name == watchRole.Metadata.Name);
            AssertBoundToOperator(chart, binding.Subjects);
        }

        // The lease lives where leaderElection.leaseNamespace says.
        var leaseRole = operatorRoles.Single(r => r.Metadata.Name.EndsWith("-leader-election", StringComparison.Ordinal));
        Assert.Equal("shop", leaseRole.Metadata.NamespaceProperty);
        RbacRules.AssertExactly(RbacRules.LeaderElection("pool-operator-shop"), RbacRules.Flatten(leaseRole.Rules), "leader-election Role");
        Assert.Equal(3, operatorRoles.Count);
    }

    [Fact]
    public async Task Everything_the_operator_is_granted_is_exactly_the_agreed_list()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["--values", Helm.ValuesFile("namespaced.yaml")] })
        {
            var chart = await Helm.TemplateAsync(values);
            var granted = chart.All<V1ClusterRole>().SelectMany(r => RbacRules.Flatten(r.Rules))
                .Concat(chart.All<V1Role>().Where(r => r.Metadata.Labels["app.kubernetes.io/component"] == "operator").SelectMany(r => RbacRules.Flatten(r.Rules)))
                .ToHashSet();

            var lease = values.Length == 0 ? "pool-operator" : "pool-operator-shop";
            RbacRules.AssertExactly(RbacRules.OperatorWatch.Union(RbacRules.LeaderElection(lease)).ToHashSet(), granted, "operator permissions " + string.Join(' ', values));
        }
    }

    [Fact]
    public async Task Without_server_ref_secrets_the_operator_may_read_no_secret()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["--values", Helm.ValuesFile("namespaced.yaml")] })
        {
            var chart = await Helm.TemplateAsync(values);
            var rules = chart.All<V1ClusterRole>().SelectMany(r => r.Rules).Concat(chart.All<V1Role>().SelectMany(r => r.Rules));

            Assert.DoesNotContain(rules, r => r.Resources.Contains("secrets"));
        }
    }

    [Fact]
    public async Task Server_ref_secrets_are_readable_by_name_in_their_namespace_only()
    {
        var chart = await Helm.TemplateAsync(
            "--set", "serverRefSecrets[0].namespace=billing",
            "--set", "serverRefSecrets[0].secretNames[0]=billing-db-admin",
            "--set", "serverRefSecrets[0].secretNames[1]=billing-replica-admin",
            "--set", "serverRefSecrets[1].namespace=shop",
            "--set", "serverRefSecrets[1].secretNames[0]=orders-db-admin");

        var roles = chart.All<V1Role>().Where(r => r.Metadata.Name.EndsWith("-server-secrets", StringComparison.Ordinal)).ToList();
        Assert.Equal(["billing", "shop"], roles.Select(r => r.Metadata.NamespaceProperty).Order());
        RbacRules.AssertExactly(
            new HashSet<Permission> { new("", "secrets", "get", "billing-db-admin"), new("", "secrets", "get", "billing-replica-admin") },
            RbacRules.Flatten(roles.Single(r => r.Metadata.NamespaceProperty == "billing").Rules),
            "server-secrets Role in billing");
        RbacRules.AssertExactly(
            new HashSet<Permission> { new("", "secrets", "get", "orders-db-admin") },
            RbacRules.Flatten(roles.Single(r => r.Metadata.NamespaceProperty == "shop").Rules),
            "server-secrets Role in shop");
        foreach (var role in roles)
        {
            var binding = chart.All<V1RoleBinding>().Single(b => b.Metadata.NamespaceProperty == role.Metadata.NamespaceProperty && b.RoleRef.Name == role.Metadata.Name);
            AssertBoundToOperator(chart, binding.Subjects);
        }
    }

    [Fact]
    public async Task A_server_ref_secret_entry_without_names_is_rejected_naming_the_value()
    {
        var result = await Helm.TryTemplateAsync("--set", "serverRefSecrets[0].namespace=billing");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("serverRefSecrets", result.ToString(), StringComparison.Ordinal);
        Assert.Contains("secretNames", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_leader_election_there_is_no_lease_permission()
    {
        var chart = await Helm.TemplateAsync("--set", "leaderElection.enabled=false", "--set", "replicaCount=1");

        Assert.Empty(chart.All<V1Role>());
        Assert.Empty(chart.All<V1RoleBinding>());
    }

    [Fact]
    public async Task Agent_roles_grant_only_reading_grants_and_writing_their_status()
    {
        var chart = await Helm.TemplateAsync("--values", Helm.ValuesFile("namespaced.yaml"));

        var agentRoles = chart.All<V1Role>().Where(r => r.Metadata.Labels["app.kubernetes.io/component"] == "agent").ToList();
        Assert.Equal(["billing", "shop"], agentRoles.Select(r => r.Metadata.NamespaceProperty).Order());
        Assert.All(agentRoles, r => RbacRules.AssertExactly(RbacRules.Agent, RbacRules.Flatten(r.Rules), $"agent Role in {r.Metadata.NamespaceProperty}"));

        // A binding only where service accounts are named.
        var binding = Assert.Single(chart.All<V1RoleBinding>(), b => b.Metadata.Labels["app.kubernetes.io/component"] == "agent");
        Assert.Equal("shop", binding.Metadata.NamespaceProperty);
        Assert.Equal(agentRoles.Single(r => r.Metadata.NamespaceProperty == "shop").Metadata.Name, binding.RoleRef.Name);
        Assert.Equal(
            [("ServiceAccount", "carts-api", "shop"), ("ServiceAccount", "orders-api", "shop")],
            binding.Subjects.Select(s => (s.Kind, s.Name, s.NamespaceProperty)).Order());
    }

    [Fact]
    public async Task The_agent_role_in_the_example_matches_the_chart()
    {
        var example = RenderedChart.Parse(await File.ReadAllTextAsync(RepositoryPaths.Of("examples", "app", "agent-rbac.yaml")));

        RbacRules.AssertExactly(RbacRules.Agent, RbacRules.Flatten(example.Single<V1Role>().Rules), "examples/app/agent-rbac.yaml");
    }

    private static void AssertBoundToOperator(RenderedChart chart, IList<Rbacv1Subject> subjects)
    {
        var account = chart.Single<V1ServiceAccount>();
        var subject = Assert.Single(subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, Helm.Namespace), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Equal(account.Metadata.Name, chart.Operator.Spec.Template.Spec.ServiceAccountName);
    }
}

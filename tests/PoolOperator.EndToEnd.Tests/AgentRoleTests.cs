using System.Net;
using System.Text;
using System.Text.Json;
using PoolOperator.EndToEnd.Tests.Infrastructure;
using PoolOperator.LocalCluster;
using PoolOperator.Testing;
using Xunit.Abstractions;

namespace PoolOperator.EndToEnd.Tests;

/// <summary>
/// The agent's Role (examples/app/agent-rbac.yaml, applied as a user applies it) bites: with a token of the
/// application's service account, acknowledging a grant in its status is allowed, and raising one's own limit
/// (a patch of the grant's spec) is refused with the API server's 403 Status.
/// </summary>
public sealed class AgentRoleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string GrantName = "orders-api-7d9f8-x2kqp.orders-db";
    private LocalKubernetesServer _cluster = null!;
    private string _directory = null!;
    private ClusterTools _admin = null!;
    private ClusterTools _agent = null!;
    private string _agentToken = null!;

    public async Task InitializeAsync()
    {
        var options = new LocalClusterOptions();
        options.ManifestPaths.Add(RepositoryRoot.Crds);
        _cluster = await LocalKubernetesServer.StartAsync(options);
        _directory = Directory.CreateTempSubdirectory("pooloperator-e2e-rbac-").FullName;
        _admin = new ClusterTools(_cluster.WriteKubeconfig(Path.Combine(_directory, "admin")), output);
        _agentToken = _cluster.IssueServiceAccountToken("default", "orders-api");
        _agent = new ClusterTools(_cluster.WriteKubeconfig(Path.Combine(_directory, "agent"), _agentToken), output);

        await _admin.KubectlAsync("apply", "-n", "default", "-f", RepositoryRoot.Of("examples", "app", "agent-rbac.yaml"));
        await _admin.KubectlWithInputAsync(Grant(GrantName), "apply", "-f", "-");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_agent_may_acknowledge_its_grant()
    {
        await _agent.KubectlAsync(
            "patch", "connectiongrant", GrantName, "-n", "default", "--subresource=status", "--type", "merge",
            "-p", """{"status":{"phase":"Active","appliedLimit":10,"observedGeneration":1}}""");
        var listed = await _agent.JsonAsync("get", "connectiongrants", "-n", "default", "--field-selector", $"metadata.name={GrantName}");

        Assert.Equal(10, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("status").GetProperty("appliedLimit").GetInt32());
    }

    [Fact]
    public async Task The_agent_may_not_raise_its_own_limit_and_kubectl_shows_the_servers_403()
    {
        var result = await _agent.TryKubectlAsync(
            "patch", "connectiongrant", GrantName, "-n", "default", "--type", "merge", "-p", """{"spec":{"limit":90}}""");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            $"connectiongrants.pooloperator.io \"{GrantName}\" is forbidden: User \"system:serviceaccount:default:orders-api\" cannot patch resource \"connectiongrants\" in API group \"pooloperator.io\" in the namespace \"default\"",
            result.Error,
            StringComparison.Ordinal);
        var grant = await _admin.JsonAsync("get", "connectiongrant", GrantName, "-n", "default");
        Assert.Equal(10, grant.GetProperty("spec").GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task The_refusal_is_a_Status_object_with_reason_Forbidden()
    {
        using var http = _cluster.CreateHttpClient(_agentToken);
        using var body = new StringContent("""{"spec":{"limit":90}}""", Encoding.UTF8, "application/merge-patch+json");
        using var response = await http.PatchAsync(new Uri($"apis/pooloperator.io/v1alpha1/namespaces/default/connectiongrants/{GrantName}", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Status", status.RootElement.GetProperty("kind").GetString());
        Assert.Equal("Forbidden", status.RootElement.GetProperty("reason").GetString());
        Assert.Equal(403, status.RootElement.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("create")]
    [InlineData("delete")]
    public async Task The_agent_may_neither_create_nor_delete_grants(string verb)
    {
        var result = verb == "delete"
            ? await _agent.TryKubectlAsync("delete", "connectiongrant", GrantName, "-n", "default")
            : await _agent.TryKubectlWithInputAsync(Grant("orders-api-7d9f8-abcde.orders-db"), "create", "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("forbidden", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A grant as the operator writes it (the agent's Role is what is under test, not the operator).</summary>
    private static string Grant(string name) =>
        $$"""
        apiVersion: pooloperator.io/v1alpha1
        kind: ConnectionGrant
        metadata:
          name: {{name}}
          namespace: default
          labels: {pooloperator.io/budget: orders-db}
        spec: {podName: {{name.Split('.')[0]}}, podUID: 5f0c1d2e-0000-4000-8000-000000000001, budgetName: orders-db, workloadName: orders-api, limit: 10, hold: 10}
        """;
}

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
    public async Task The_agent_may_find_and_acknowledge_its_grant_as_the_agent_does()
    {
        // The agent's own calls: a list with a field selector on its grant's name, then a merge patch of the status.
        var listed = await _agent.JsonAsync("get", "connectiongrants", "-n", "default", "--field-selector", $"metadata.name={GrantName}");
        Assert.Single(listed.GetProperty("items").EnumerateArray());

        using var response = await PatchAsAgentAsync("/status", """{"status":{"phase":"Active","appliedLimit":10,"observedGeneration":1}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var grant = await _admin.JsonAsync("get", "connectiongrant", GrantName, "-n", "default");
        Assert.Equal(10, grant.GetProperty("status").GetProperty("appliedLimit").GetInt32());
    }

    [Fact]
    public async Task Raising_its_own_limit_is_refused_with_the_servers_403_Status()
    {
        using var response = await PatchAsAgentAsync("", """{"spec":{"limit":90}}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Status", status.RootElement.GetProperty("kind").GetString());
        Assert.Equal("Forbidden", status.RootElement.GetProperty("reason").GetString());
        Assert.Equal(403, status.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(
            $"connectiongrants.pooloperator.io \"{GrantName}\" is forbidden: User \"system:serviceaccount:default:orders-api\" cannot patch resource \"connectiongrants\" in API group \"pooloperator.io\" in the namespace \"default\"",
            status.RootElement.GetProperty("message").GetString());
        var grant = await _admin.JsonAsync("get", "connectiongrant", GrantName, "-n", "default");
        Assert.Equal(10, grant.GetProperty("spec").GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task Kubectl_with_the_agents_token_shows_the_refusal_as_a_user_sees_it()
    {
        var result = await _agent.TryKubectlWithInputAsync(Grant("orders-api-7d9f8-abcde.orders-db"), "create", "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            "Error from server (Forbidden): error when creating \"STDIN\": connectiongrants.pooloperator.io is forbidden: User \"system:serviceaccount:default:orders-api\" cannot create resource \"connectiongrants\"",
            result.Error,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_may_not_delete_grants()
    {
        var result = await _agent.TryKubectlAsync("delete", "connectiongrant", GrantName, "-n", "default");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("forbidden", result.Error, StringComparison.Ordinal);
        await _admin.KubectlAsync("get", "connectiongrant", GrantName, "-n", "default");
    }

    private async Task<HttpResponseMessage> PatchAsAgentAsync(string subresource, string body)
    {
        using var http = _cluster.CreateHttpClient(_agentToken);
        using var content = new StringContent(body, Encoding.UTF8, "application/merge-patch+json");
        return await http.PatchAsync(new Uri($"apis/pooloperator.io/v1alpha1/namespaces/default/connectiongrants/{GrantName}{subresource}", UriKind.Relative), content);
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

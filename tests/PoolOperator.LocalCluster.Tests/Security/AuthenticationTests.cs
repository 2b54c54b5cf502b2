using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Kubectl;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Security;

/// <summary>Bearer tokens on every request: the admin token, TokenRequest for ServiceAccounts, 401 for the rest.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task A_request_without_a_token_or_with_an_unknown_one_is_answered_401_Unauthorized()
    {
        await using var server = await TestCluster.StartAsync();
        using var anonymous = server.CreateHttpClient();
        anonymous.DefaultRequestHeaders.Authorization = null;
        using var forged = server.CreateHttpClient("not-a-token");

        using var noToken = await anonymous.GetAsync("/api/v1/namespaces");
        using var badToken = await forged.GetAsync("/api/v1/namespaces");
        using var badTokenHealth = await forged.GetAsync("/healthz");
        using var health = await anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badTokenHealth.StatusCode);
        var status = JsonNode.Parse(await noToken.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal("Unauthorized", (string?)status["message"]);
        Assert.Equal(401, (int?)status["code"]);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // system:public-info-viewer lets anyone read health
    }

    [Fact]
    public async Task The_client_library_with_an_unknown_token_gets_401()
    {
        await using var server = await TestCluster.StartAsync();
        using var client = new Kubernetes(server.CreateClientConfiguration("poolop-sa-0000"));

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, ex.Response.StatusCode);
    }

    [Fact]
    public async Task TokenRequest_issues_a_token_that_lists_as_the_service_account_and_stops_working_when_the_account_is_deleted()
    {
        await using var server = await TestCluster.StartAsync();
        var admin = server.CreateClient();
        await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new() { Name = "agent" } }, "default");

        var answer = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 1200 } }, "agent", "default");

        Assert.False(string.IsNullOrEmpty(answer.Status.Token));
        var lifetime = answer.Status.ExpirationTimestamp!.Value - DateTime.UtcNow;
        Assert.InRange(lifetime.TotalSeconds, 1100, 1300);
        using var asAgent = server.CreateClient(answer.Status.Token);
        var authenticated = await Assert.ThrowsAsync<HttpOperationException>(() => asAgent.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Forbidden, authenticated.Response.StatusCode); // known, but no Role allows it
        Assert.Contains("User \\\"system:serviceaccount:default:agent\\\"", authenticated.Response.Content, StringComparison.Ordinal);

        await admin.CoreV1.DeleteNamespacedServiceAccountAsync("agent", "default");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => asAgent.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Response.StatusCode);
    }

    [Fact]
    public async Task TokenRequest_for_a_missing_service_account_is_404_and_a_duration_under_ten_minutes_is_422()
    {
        await using var server = await TestCluster.StartAsync();
        var admin = server.CreateClient();

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "nobody", "default"));
        await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new() { Name = "agent" } }, "default");
        var tooShort = await Assert.ThrowsAsync<HttpOperationException>(() => admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 60 } }, "agent", "default"));

        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("serviceaccounts \\\"nobody\\\" not found", missing.Response.Content, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, tooShort.Response.StatusCode);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueServiceAccountToken_and_WriteKubeconfig_hand_a_process_its_identity()
    {
        await using var server = await TestCluster.StartAsync();
        var dir = Directory.CreateTempSubdirectory("poolop-identity-").FullName;
        try
        {
            var token = server.IssueServiceAccountToken("default", "orders");
            var path = server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), token);

            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            using var client = new Kubernetes(config);
            var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedConfigMapAsync("default"));

            Assert.Equal(token, config.AccessToken);
            Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
            Assert.Contains("system:serviceaccount:default:orders", refused.Response.Content, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [KubectlFact]
    public async Task Kubectl_create_token_answers_a_token_kubectl_can_use()
    {
        await using var server = await TestCluster.StartAsync();
        var dir = Directory.CreateTempSubdirectory("poolop-token-").FullName;
        try
        {
            var kubectl = new KubectlRunner(server.WriteKubeconfig(Path.Combine(dir, "kubeconfig")));
            await kubectl.OkAsync("create", "serviceaccount", "agent", "-n", "default");

            var token = (await kubectl.OkAsync("create", "token", "agent", "-n", "default", "--duration=20m")).Trim();
            var missing = await kubectl.RunAsync("create", "token", "nobody", "-n", "default");

            Assert.StartsWith("poolop-sa-", token, StringComparison.Ordinal);
            var asAgent = await kubectl.RunAsync("--token=" + token, "get", "configmaps", "-n", "default");
            Assert.Contains("User \"system:serviceaccount:default:agent\" cannot list resource \"configmaps\"", asAgent.Stderr, StringComparison.Ordinal);
            var forged = await kubectl.RunAsync("--token=poolop-sa-forged", "get", "configmaps", "-n", "default");
            Assert.Equal(1, forged.ExitCode);
            Assert.Contains("Unauthorized", forged.Stderr, StringComparison.Ordinal);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("serviceaccounts \"nobody\" not found", missing.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

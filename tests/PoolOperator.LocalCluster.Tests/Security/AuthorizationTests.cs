using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Client;
using PoolOperator.LocalCluster.Tests.Kubectl;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Security;

/// <summary>RBAC that bites: an agent-like ServiceAccount may read grants and patch their status, nothing else.</summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private const string Ns = "default";
    private const string AgentUser = "system:serviceaccount:default:agent";

    private LocalKubernetesServer? _server;
    private IKubernetes? _admin;

    private LocalKubernetesServer Server => _server!;

    private IKubernetes Admin => _admin!;

    public async Task InitializeAsync()
    {
        _server = await TestCluster.StartAsync();
        _admin = Server.CreateClient();
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "other" } });
        await Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new() { Name = "agent" } }, Ns);
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role
            {
                Metadata = new() { Name = "agent" },
                Rules =
                [
                    new V1PolicyRule { ApiGroups = [ApiGroup.Group], Resources = [ApiGroup.GrantPlural], Verbs = ["get", "list", "watch"] },
                    new V1PolicyRule { ApiGroups = [ApiGroup.Group], Resources = [ApiGroup.GrantPlural + "/status"], Verbs = ["patch"] },
                ],
            },
            Ns);
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new() { Name = "agent" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "agent" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "agent" }],
            },
            Ns);
        foreach (var ns in new[] { Ns, "other" })
        {
            var grant = ObjectSemanticsTests.NewGrant("web-1.orders", 5);
            grant.Metadata.NamespaceProperty = ns;
            await Admin.CustomObjects.CreateNamespacedCustomObjectAsync(grant, ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.GrantPlural);
        }
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_agent_reads_and_watches_its_grants_and_patches_their_status()
    {
        using var agent = Server.CreateClient(Server.IssueServiceAccountToken(Ns, "agent"));

        var listed = JsonNode.Parse(((System.Text.Json.JsonElement)await agent.CustomObjects.ListNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural)).GetRawText())!;
        var patched = await agent.CustomObjects.PatchNamespacedCustomObjectStatusAsync<ConnectionGrant>(
            new V1Patch("""{"status":{"appliedLimit":5}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "web-1.orders");

        Assert.Single(listed["items"]!.AsArray());
        Assert.Equal(5, patched.Status!.AppliedLimit);
    }

    [Fact]
    public async Task Patching_the_spec_another_namespace_or_secrets_is_403_with_the_real_message()
    {
        using var agent = Server.CreateClient(Server.IssueServiceAccountToken(Ns, "agent"));

        var spec = await ForbiddenAsync(() => agent.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch("""{"spec":{"limit":50}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "web-1.orders"));
        var otherNamespace = await ForbiddenAsync(() => agent.CustomObjects.PatchNamespacedCustomObjectStatusAsync<ConnectionGrant>(
            new V1Patch("""{"status":{"appliedLimit":5}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "other", ApiGroup.GrantPlural, "web-1.orders"));
        var secrets = await ForbiddenAsync(() => agent.CoreV1.ListNamespacedSecretAsync(Ns));
        var cluster = await ForbiddenAsync(() => agent.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ApiGroup.GrantPlural));

        Assert.Equal(
            $"connectiongrants.pooloperator.io \"web-1.orders\" is forbidden: User \"{AgentUser}\" cannot patch resource \"connectiongrants\" in API group \"pooloperator.io\" in the namespace \"default\"",
            (string?)spec["message"]);
        Assert.Equal(
            $"connectiongrants.pooloperator.io \"web-1.orders\" is forbidden: User \"{AgentUser}\" cannot patch resource \"connectiongrants/status\" in API group \"pooloperator.io\" in the namespace \"other\"",
            (string?)otherNamespace["message"]);
        Assert.Equal($"secrets is forbidden: User \"{AgentUser}\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"", (string?)secrets["message"]);
        Assert.Equal(
            $"connectiongrants.pooloperator.io is forbidden: User \"{AgentUser}\" cannot list resource \"connectiongrants\" in API group \"pooloperator.io\" at the cluster scope",
            (string?)cluster["message"]);
        Assert.Equal("Forbidden", (string?)spec["reason"]);
        Assert.Equal(403, (int?)spec["code"]);
        Assert.Equal("web-1.orders", (string?)spec["details"]!["name"]);
        Assert.Equal("pooloperator.io", (string?)spec["details"]!["group"]);
        Assert.Equal("connectiongrants", (string?)spec["details"]!["kind"]);
        var stored = await Admin.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "web-1.orders");
        Assert.Equal(5, stored.Spec.Limit);
    }

    [Fact]
    public async Task ResourceNames_allow_get_and_a_list_or_watch_selecting_that_name_only()
    {
        await Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role
            {
                Metadata = new() { Name = "one-config" },
                Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["settings"], Verbs = ["get", "list", "watch"] }],
            },
            Ns);
        await BindAsync("one-config", "Role", new Rbacv1Subject { Kind = "ServiceAccount", Name = "agent", NamespaceProperty = Ns });
        await Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "settings" } }, Ns);
        using var agent = Server.CreateClient(Server.IssueServiceAccountToken(Ns, "agent"));

        await agent.CoreV1.ReadNamespacedConfigMapAsync("settings", Ns);
        var byName = await agent.CoreV1.ListNamespacedConfigMapAsync(Ns, fieldSelector: "metadata.name=settings");
        var all = await ForbiddenAsync(() => agent.CoreV1.ListNamespacedConfigMapAsync(Ns));
        var other = await ForbiddenAsync(() => agent.CoreV1.ReadNamespacedConfigMapAsync("other", Ns));

        Assert.Single(byName.Items);
        Assert.StartsWith("configmaps is forbidden", (string?)all["message"], StringComparison.Ordinal);
        Assert.StartsWith("configmaps \"other\" is forbidden", (string?)other["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ClusterRoleBinding_to_a_group_applies_everywhere_and_a_binding_to_a_missing_role_says_so()
    {
        await Admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new() { Name = "read-pods" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["list"] }],
        });
        await Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new() { Name = "read-pods" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "read-pods" },
            Subjects = [new Rbacv1Subject { Kind = "Group", Name = "system:serviceaccounts:default" }],
        });
        await BindAsync("missing", "ClusterRole", new Rbacv1Subject { Kind = "ServiceAccount", Name = "agent", NamespaceProperty = Ns });
        using var agent = Server.CreateClient(Server.IssueServiceAccountToken(Ns, "agent"));
        using var stranger = Server.CreateClient(Server.IssueServiceAccountToken("other", "agent"));

        await agent.CoreV1.ListPodForAllNamespacesAsync();
        var denied = await ForbiddenAsync(() => agent.CoreV1.ListNamespacedServiceAccountAsync(Ns));
        var strangerDenied = await ForbiddenAsync(() => stranger.CoreV1.ListNamespacedPodAsync(Ns));

        Assert.EndsWith(": RBAC: clusterrole.rbac.authorization.k8s.io \"missing\" not found", (string?)denied["message"], StringComparison.Ordinal);
        Assert.Contains("system:serviceaccount:other:agent", (string?)strangerDenied["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_records_what_an_identity_called_and_how_it_was_answered()
    {
        using var agent = Server.CreateClient(Server.IssueServiceAccountToken(Ns, "agent"));
        Server.Audit.Clear();

        await agent.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "web-1.orders");
        await ForbiddenAsync(() => agent.CoreV1.ReadNamespacedSecretAsync("db", Ns));

        var entries = Server.Audit.EntriesOf(AgentUser).Where(e => e.IsResourceRequest).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(("get", "pooloperator.io", "connectiongrants", "default", "web-1.orders", 200), (entries[0].Verb, entries[0].ApiGroup, entries[0].CombinedResource, entries[0].Namespace, entries[0].Name, entries[0].Code));
        Assert.Equal(("get", "", "secrets", "db", 403), (entries[1].Verb, entries[1].ApiGroup, entries[1].Resource, entries[1].Name, entries[1].Code));
    }

    [KubectlFact]
    public async Task Kubectl_with_the_agents_token_reads_grants_and_is_refused_a_spec_patch_with_the_Forbidden_message()
    {
        var dir = Directory.CreateTempSubdirectory("poolop-rbac-").FullName;
        try
        {
            var kubectl = new KubectlRunner(Server.WriteKubeconfig(Path.Combine(dir, "kubeconfig")));
            var token = (await kubectl.OkAsync("create", "token", "agent", "-n", Ns)).Trim();

            var names = await kubectl.OkAsync("--token=" + token, "get", "connectiongrants", "-n", Ns, "-o", "name");
            // kubectl patch gets the object first: with --subresource=status that needs get on connectiongrants/status, which the Role lacks.
            var statusPatch = await kubectl.RunAsync("--token=" + token, "patch", "connectiongrant", "web-1.orders", "-n", Ns, "--subresource=status", "--type=merge", "-p", """{"status":{"appliedLimit":5}}""");
            var refused = await kubectl.RunAsync("--token=" + token, "patch", "connectiongrant", "web-1.orders", "-n", Ns, "--type=merge", "-p", """{"spec":{"limit":50}}""");
            var secrets = await kubectl.RunAsync("--token=" + token, "get", "secrets", "-n", Ns);

            Assert.Contains("connectiongrant.pooloperator.io/web-1.orders", names, StringComparison.Ordinal);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains(
                $"Error from server (Forbidden): connectiongrants.pooloperator.io \"web-1.orders\" is forbidden: User \"{AgentUser}\" cannot patch resource \"connectiongrants\" in API group \"pooloperator.io\" in the namespace \"default\"",
                refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("secrets is forbidden", secrets.Stderr, StringComparison.Ordinal);
            Assert.Contains("cannot get resource \"connectiongrants/status\"", statusPatch.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private Task<V1RoleBinding> BindAsync(string role, string kind, Rbacv1Subject subject) =>
        Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new() { Name = role + "-binding" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = kind, Name = role },
                Subjects = [subject],
            },
            Ns);

    private static async Task<JsonNode> ForbiddenAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(HttpStatusCode.Forbidden, ex.Response.StatusCode);
        return JsonNode.Parse(ex.Response.Content)!;
    }
}

using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static PoolOperator.LocalCluster.Tests.Processes.ProcessPods;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>The container's environment as the kubelet resolves it, and the pod's service-account identity.</summary>
public sealed class ProcessEnvironmentTests
{
    [Fact]
    public async Task Env_comes_from_values_the_downward_api_secrets_and_config_maps_and_KUBECONFIG_carries_the_service_account()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = "db" }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } }, "default");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "settings" }, Data = new Dictionary<string, string> { ["mode"] = "fast", ["color"] = "blue" } }, "default");
        var pod = Pod("env-check", Env);
        pod.Metadata.Labels["app"] = "shop";
        pod.Spec.RestartPolicy = "Never";
        pod.Spec.ServiceAccountName = "orders";
        static V1EnvVar Field(string name, string path) => new() { Name = name, ValueFrom = new() { FieldRef = new() { FieldPath = path } } };
        pod.Spec.Containers[0].Env =
        [
            Field("POD_NAME", "metadata.name"),
            Field("POD_NAMESPACE", "metadata.namespace"),
            Field("POD_UID", "metadata.uid"),
            Field("POD_IP", "status.podIP"),
            Field("APP", "metadata.labels['app']"),
            Field("SA", "spec.serviceAccountName"),
            new() { Name = "GREETING", Value = "hi $(POD_NAME) from $(APP), $$(POD_NAME) stays" },
            new() { Name = "DB_PASSWORD", ValueFrom = new() { SecretKeyRef = new() { Name = "db", Key = "password" } } },
            new() { Name = "MODE", ValueFrom = new() { ConfigMapKeyRef = new() { Name = "settings", Key = "mode" } } },
            new() { Name = "MAYBE", ValueFrom = new() { SecretKeyRef = new() { Name = "absent", Key = "k", Optional = true } } },
        ];
        pod.Spec.Containers[0].EnvFrom = [new V1EnvFromSource { Prefix = "CFG_", ConfigMapRef = new() { Name = "settings" } }];
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, "default");

        var done = await WaitAsync(client, "env-check", p => p.Status?.Phase == "Succeeded", "has succeeded");
        var lines = (await LogAsync(server, "env-check")).Split('\n').ToHashSet();

        Assert.Contains("POD_NAME=env-check", lines);
        Assert.Contains("POD_NAMESPACE=default", lines);
        Assert.Contains("POD_UID=" + created.Metadata.Uid, lines);
        Assert.StartsWith("127.0.", done.Status.PodIP, StringComparison.Ordinal);
        Assert.Contains("POD_IP=" + done.Status.PodIP, lines);
        Assert.Contains("APP=shop", lines);
        Assert.Contains("SA=orders", lines);
        Assert.Contains("GREETING=hi env-check from shop, $(POD_NAME) stays", lines);
        Assert.Contains("DB_PASSWORD=s3cret", lines);
        Assert.Contains("MODE=fast", lines);
        Assert.Contains("CFG_color=blue", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("MAYBE=", StringComparison.Ordinal));
        var terminated = MainOf(done).State.Terminated;
        Assert.Equal(0, terminated.ExitCode);
        Assert.Equal("Completed", terminated.Reason);

        var kubeconfig = lines.Single(l => l.StartsWith("KUBECONFIG=", StringComparison.Ordinal))["KUBECONFIG=".Length..];
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), config.Host.TrimEnd('/'));
        Assert.NotEqual(server.AdminToken, config.AccessToken);
        Assert.Equal("system:serviceaccount:default:orders", server.UserOfToken(config.AccessToken));
        using var asPod = new Kubernetes(config);

        // RBAC sees the pod's service account: nothing is allowed until a binding grants it.
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => asPod.CoreV1.ListNamespacedPodAsync("default"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        Assert.Contains("system:serviceaccount:default:orders", denied.Response.Content, StringComparison.Ordinal);
        await client.RbacAuthorizationV1.CreateNamespacedRoleAsync(
            new V1Role { Metadata = new() { Name = "pod-reader" }, Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["list"] }] }, "default");
        await client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new() { Name = "orders-reads-pods" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-reader" },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "orders", NamespaceProperty = "default" }],
            },
            "default");
        Assert.Contains((await asPod.CoreV1.ListNamespacedPodAsync("default")).Items, p => p.Metadata.Name == "env-check");
    }

    [Fact]
    public async Task A_missing_secret_or_key_keeps_the_container_from_starting_with_CreateContainerConfigError_until_it_appears()
    {
        await using var server = await StartAsync();
        var client = server.CreateClient();
        var pod = Pod("needs-secret", Shell, "echo password=$PASSWORD; exec sleep 300");
        pod.Spec.Containers[0].Env = [new() { Name = "PASSWORD", ValueFrom = new() { SecretKeyRef = new() { Name = "later", Key = "password" } } }];
        await client.CoreV1.CreateNamespacedPodAsync(pod, "default");

        var waiting = await WaitAsync(client, "needs-secret", p => MainOf(p).State?.Waiting?.Reason == "CreateContainerConfigError", "waits for its secret");
        Assert.Equal("secret \"later\" not found", MainOf(waiting).State.Waiting.Message);
        Assert.Equal("Pending", waiting.Status.Phase);
        Assert.False(IsReady(waiting));

        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new() { Name = "later" }, StringData = new Dictionary<string, string> { ["user"] = "app" } }, "default");
        await WaitAsync(client, "needs-secret", p => MainOf(p).State?.Waiting?.Message == "couldn't find key password in Secret default/later", "waits for the key");

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("later", "default");
        secret.Data["password"] = Encoding.UTF8.GetBytes("now-here");
        await client.CoreV1.ReplaceNamespacedSecretAsync(secret, "later", "default");
        var running = await WaitAsync(client, "needs-secret", p => MainOf(p).State?.Running is not null, "runs");

        Assert.Equal("Running", running.Status.Phase);
        await Support.Eventually.TrueAsync(async () => (await LogAsync(server, "needs-secret")).Contains("password=now-here", StringComparison.Ordinal), "the process saw the secret");
    }
}

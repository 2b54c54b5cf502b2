using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>Merge, JSON, strategic merge and apply patches, and the scale subresource.</summary>
public sealed class PatchTests
{
    private const string Ns = "default";

    [Fact]
    public async Task A_strategic_merge_patch_merges_containers_by_name()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var pod = DeletionTests.Pod("p", 0);
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "side:1", Env = [new V1EnvVar { Name = "A", Value = "1" }] });
        await client.CoreV1.CreateNamespacedPodAsync(pod, Ns);

        var patch = """{"spec":{"containers":[{"name":"sidecar","image":"side:2","env":[{"name":"B","value":"2"}]}]}}""";
        var patched = await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "p", Ns);

        Assert.Equal(["app", "sidecar"], patched.Spec.Containers.Select(c => c.Name));
        Assert.Equal("example", patched.Spec.Containers[0].Image);
        Assert.Equal("side:2", patched.Spec.Containers[1].Image);
        Assert.Equal(["A", "B"], patched.Spec.Containers[1].Env.Select(e => e.Name));
    }

    [Fact]
    public async Task A_strategic_merge_patch_can_delete_a_list_item_and_custom_resources_refuse_it()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var pod = DeletionTests.Pod("p", 0);
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "side:1" });
        await client.CoreV1.CreateNamespacedPodAsync(pod, Ns);
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(ObjectSemanticsTests.NewGrant("p.b", 1), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}""", V1Patch.PatchType.StrategicMergePatch), "p", Ns);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"limit":2}}""", V1Patch.PatchType.StrategicMergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));

        Assert.Equal(["app"], patched.Spec.Containers.Select(c => c.Name));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.Response.StatusCode);
    }

    [Fact]
    public async Task A_JSON_patch_applies_its_operations_and_a_failed_test_changes_nothing()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(ObjectSemanticsTests.NewGrant("p.b", 1), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        var patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch("""[{"op":"test","path":"/spec/limit","value":1},{"op":"replace","path":"/spec/limit","value":7},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]""", V1Patch.PatchType.JsonPatch),
            ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b");
        var failed = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/spec/limit","value":1},{"op":"replace","path":"/spec/limit","value":9}]""", V1Patch.PatchType.JsonPatch),
            ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));

        Assert.Equal(7, patched.Spec.Limit);
        Assert.Equal("b", patched.Metadata.Labels["a"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failed.Response.StatusCode);
    }

    [Fact]
    public async Task A_patch_carrying_a_stale_resourceVersion_is_409()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(ObjectSemanticsTests.NewGrant("p.b", 1), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"limit":2}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b");

        var stale = $$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"spec":{"limit":3}}""";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(stale, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));

        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_merges()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var apply = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "applied" }, Data = new Dictionary<string, string> { ["a"] = "1" } };

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(apply, V1Patch.PatchType.ApplyPatch), "applied", Ns, fieldManager: "test", force: true);
        apply.Data = new Dictionary<string, string> { ["b"] = "2" };
        var merged = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(apply, V1Patch.PatchType.ApplyPatch), "applied", Ns, fieldManager: "test", force: true);

        Assert.Equal("1", merged.Data["a"]);
        Assert.Equal("2", merged.Data["b"]);
    }

    [Fact]
    public async Task The_scale_subresource_reads_and_writes_replicas_and_bumps_generation()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] },
                },
            },
        }, Ns);

        var scale = await client.AppsV1.ReadNamespacedStatefulSetScaleAsync("db", Ns);
        Assert.Equal(1, scale.Spec.Replicas);
        Assert.Equal("app=db", scale.Status.Selector);

        await client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "db", Ns);
        scale.Spec.Replicas = 5;
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReplaceNamespacedStatefulSetScaleAsync(scale, "db", Ns));
        var statefulSet = await client.AppsV1.ReadNamespacedStatefulSetAsync("db", Ns);

        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal(4, statefulSet.Spec.Replicas);
        Assert.Equal(2, statefulSet.Metadata.Generation);
    }
}

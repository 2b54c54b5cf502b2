using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>CRDs posted through the API: discovery, cluster scope, the generic custom-object watch, removal.</summary>
public sealed class CustomResourceTests
{
    private const string Ns = "default";

    [Fact]
    public async Task The_generic_custom_object_watch_streams_grants_from_a_list_version()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<ConnectionGrantList>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(ObjectSemanticsTests.NewGrant("p.b", 4), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        var response = client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 2, watch: true);
#pragma warning disable CS0618 // WatcherExt is marked obsolete but is the documented way to watch custom objects.
        var events = await WatchCollector.CollectAsync(response.WatchAsync<ConnectionGrant, object>(), stopAfter: 1);
#pragma warning restore CS0618

        var (type, grant) = Assert.Single(events);
        Assert.Equal(WatchEventType.Added, type);
        Assert.Equal(4, grant.Spec.Limit);
    }

    [Fact]
    public async Task A_cluster_scoped_CRD_serves_objects_without_a_namespace_and_goes_with_its_objects()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.io"},
             "spec":{"group":"example.io","scope":"Cluster","names":{"plural":"widgets","kind":"Widget"},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}}
            """));

        var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.example.io");
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        var resources = await client.CustomObjects.GetAPIResourcesAsync("example.io", "v1");
        Assert.False(Assert.Single(resources.Resources).Namespaced);

        var widget = new JsonObject
        {
            ["apiVersion"] = "example.io/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "w1" },
            ["spec"] = new JsonObject { ["anything"] = new JsonObject { ["goes"] = 1 } },
        };
        await client.CustomObjects.CreateClusterCustomObjectAsync(widget, "example.io", "v1", "widgets");
        var stored = JsonNode.Parse(KubernetesJson.Serialize(await client.CustomObjects.GetClusterCustomObjectAsync("example.io", "v1", "widgets", "w1")))!;
        Assert.Null(stored["metadata"]!["namespace"]);
        Assert.Equal(1, (int)stored["spec"]!["anything"]!["goes"]!);

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.example.io");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.GetClusterCustomObjectAsync("example.io", "v1", "widgets", "w1"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task An_object_read_at_another_served_version_carries_that_version_in_get_list_and_watch()
    {
        // Stored as v1, the storage version; read as v1beta1 every answer must say v1beta1, not the stored bytes' v1.
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.io"},
             "spec":{"group":"example.io","scope":"Cluster","names":{"plural":"gadgets","kind":"Gadget"},
               "versions":[
                 {"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
                 {"name":"v1beta1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """));
        var gadget = new JsonObject { ["apiVersion"] = "example.io/v1", ["kind"] = "Gadget", ["metadata"] = new JsonObject { ["name"] = "g1" }, ["size"] = 1 };
        await client.CustomObjects.CreateClusterCustomObjectAsync(gadget, "example.io", "v1", "gadgets");

        var got = JsonNode.Parse(KubernetesJson.Serialize(await client.CustomObjects.GetClusterCustomObjectAsync("example.io", "v1beta1", "gadgets", "g1")))!;
        var listed = JsonNode.Parse(KubernetesJson.Serialize(await client.CustomObjects.ListClusterCustomObjectAsync("example.io", "v1beta1", "gadgets")))!;
        Assert.Equal("example.io/v1beta1", (string?)got["apiVersion"]);
        Assert.Equal("example.io/v1beta1", (string?)listed["apiVersion"]);
        Assert.Equal("example.io/v1beta1", (string?)Assert.Single(listed["items"]!.AsArray())!["apiVersion"]);

        var response = client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(
            "example.io", "v1beta1", "gadgets", resourceVersion: (string?)listed["metadata"]!["resourceVersion"], timeoutSeconds: 2, watch: true);
        var watched = Task.Run(async () =>
        {
#pragma warning disable CS0618 // WatcherExt is marked obsolete but is the documented way to watch custom objects.
            return await WatchCollector.CollectAsync(response.WatchAsync<JsonObject, object>(), stopAfter: 1);
#pragma warning restore CS0618
        });
        await client.CustomObjects.PatchClusterCustomObjectAsync(new V1Patch("""{"size":2}""", V1Patch.PatchType.MergePatch), "example.io", "v1", "gadgets", "g1");

        var (type, changed) = Assert.Single(await watched);
        Assert.Equal(WatchEventType.Modified, type);
        Assert.Equal("example.io/v1beta1", (string?)changed["apiVersion"]);
        Assert.Equal(2, (int)changed["size"]!);
    }

    [Fact]
    public async Task A_CRD_with_a_rule_that_does_not_compile_is_refused()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.io"},
             "spec":{"group":"example.io","scope":"Namespaced","names":{"plural":"gadgets","kind":"Gadget"},
               "versions":[{"name":"v1","served":true,"storage":true,
                 "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-validations":[{"rule":"self.spec.(("}]}}}]}}
            """)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Response.StatusCode);
        Assert.Contains("x-kubernetes-validations[0].rule", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_writers_and_a_watcher_agree_on_one_gapless_order()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var start = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Metadata.ResourceVersion;
        var watching = WatchCollector.CollectAsync(client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: start), stopAfter: 120);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap($"w{writer}-{i}"), Ns);
            }
        })));
        var events = await watching;

        Assert.Equal(120, events.Select(e => e.Object.Metadata.Name).Distinct().Count());
        var versions = events.Select(e => long.Parse(e.Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        var listed = await client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        Assert.Equal(versions[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), listed.Metadata.ResourceVersion);
    }
}

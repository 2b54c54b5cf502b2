using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>Optimistic concurrency, status subresource, generation, finalizers and errors, with the real KubernetesClient.</summary>
public sealed class ObjectSemanticsTests
{
    private const string Ns = "default";

    [Fact]
    public async Task An_update_with_a_stale_resourceVersion_is_409_Conflict()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("cm"), Ns);
        var first = await client.CoreV1.ReadNamespacedConfigMapAsync("cm", Ns);
        var second = await client.CoreV1.ReadNamespacedConfigMapAsync("cm", Ns);

        first.Data["k"] = "first";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "cm", Ns);
        second.Data["k"] = "second";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(second, "cm", Ns));

        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", ex.Response.Content, StringComparison.Ordinal);
        Assert.Equal("first", (await client.CoreV1.ReadNamespacedConfigMapAsync("cm", Ns)).Data["k"]);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists_and_reading_nothing_is_404_NotFound()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("cm"), Ns);

        var exists = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("cm"), Ns));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("nope", Ns));

        Assert.Equal(HttpStatusCode.Conflict, exists.Response.StatusCode);
        Assert.Contains("\"reason\":\"AlreadyExists\"", exists.Response.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("configmaps \\\"nope\\\" not found", missing.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Created_objects_get_uid_timestamp_generation_and_a_generated_name()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, Ns);

        Assert.StartsWith("gen-", created.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("gen-".Length + 5, created.Metadata.Name.Length);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(1, created.Metadata.Generation);
    }

    [Fact]
    public async Task The_main_endpoint_ignores_status_and_the_status_endpoint_ignores_everything_else()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var grant = NewGrant("pod-a.budget", limit: 10);
        grant.Status = new ConnectionGrantStatus { AppliedLimit = 99 };

        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);
        Assert.Null(created.Status);

        created.Status = new ConnectionGrantStatus { AppliedLimit = 5 };
        created.Spec.Limit = 12;
        var replaced = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<ConnectionGrant>(created, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, created.Metadata.Name);
        Assert.Null(replaced.Status);
        Assert.Equal(12, replaced.Spec.Limit);
        Assert.Equal(2, replaced.Metadata.Generation);

        var statusPatch = """{"spec":{"limit":1},"status":{"appliedLimit":12,"observedGeneration":2}}""";
        var patched = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<ConnectionGrant>(
            new V1Patch(statusPatch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, created.Metadata.Name);

        Assert.Equal(12, patched.Status!.AppliedLimit);
        Assert.Equal(12, patched.Spec.Limit);
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact]
    public async Task Generation_moves_with_spec_changes_only_and_a_no_op_write_changes_nothing()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(NewGrant("p.b", 3), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        var labelled = await PatchAsync(client, created.Metadata.Name, """{"metadata":{"labels":{"x":"y"}}}""");
        var status = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<ConnectionGrant>(
            new V1Patch("""{"status":{"appliedLimit":3}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, created.Metadata.Name);
        var same = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<ConnectionGrant>(
            new V1Patch("""{"status":{"appliedLimit":3}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, created.Metadata.Name);
        var spec = await PatchAsync(client, created.Metadata.Name, """{"spec":{"limit":4}}""");

        Assert.Equal(1, labelled.Metadata.Generation);
        Assert.Equal(1, status.Metadata.Generation);
        Assert.Equal(status.Metadata.ResourceVersion, same.Metadata.ResourceVersion);
        Assert.Equal(2, spec.Metadata.Generation);
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_they_are_removed()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var grant = NewGrant("p.b", 1);
        grant.Metadata.Finalizers = ["pooloperator.io/test"];
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b");
        var held = await client.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b");
        Assert.NotNull(held.Metadata.DeletionTimestamp);

        await PatchAsync(client, "p.b", """{"metadata":{"finalizers":null}}""");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.GetNamespacedCustomObjectAsync<ConnectionGrant>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    [Fact]
    public async Task Custom_resources_need_a_resourceVersion_to_be_replaced()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(NewGrant("p.b", 1), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);
        created.Metadata.ResourceVersion = null;

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ReplaceNamespacedCustomObjectAsync<ConnectionGrant>(created, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Response.StatusCode);
        Assert.Contains("metadata.resourceVersion", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("a", new() { ["tier"] = "web", ["env"] = "prod" }), Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("b", new() { ["tier"] = "db" }), Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("c"), Ns);

        async Task<string> Names(string? labels = null, string? fields = null) =>
            string.Join(",", (await client.CoreV1.ListNamespacedConfigMapAsync(Ns, labelSelector: labels, fieldSelector: fields)).Items.Select(i => i.Metadata.Name));

        Assert.Equal("a", await Names("tier=web"));
        Assert.Equal("a", await Names("tier==web,env"));
        Assert.Equal("b,c", await Names("tier!=web"));
        Assert.Equal("a,b", await Names("tier in (web, db)"));
        Assert.Equal("b,c", await Names("tier notin (web)"));
        Assert.Equal("a,b", await Names("tier"));
        Assert.Equal("c", await Names("!tier"));
        Assert.Equal("b", await Names(fields: "metadata.name=b"));
        Assert.Equal("a,c", await Names(fields: "metadata.name!=b,metadata.namespace=default"));
        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Names("tier in web"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap($"cm-{i}"), Ns);
        }

        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 2, continueParameter: token);
            Assert.True(page.Items.Count <= 2);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));

        Assert.Equal(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"], names);
    }

    [Fact]
    public async Task Leases_support_leader_election_with_the_client_library()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var elector = new k8s.LeaderElection.LeaderElector(new k8s.LeaderElection.LeaderElectionConfig(
            new k8s.LeaderElection.ResourceLock.LeaseLock(client, Ns, "poolop-leader", "me"))
        {
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var leading = new TaskCompletionSource();
        elector.OnStartedLeading += () => leading.TrySetResult();
        using var stop = new CancellationTokenSource();
        var running = elector.RunUntilLeadershipLostAsync(stop.Token);

        await leading.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("poolop-leader", Ns);
        Assert.Equal("me", lease.Spec.HolderIdentity);
        await stop.CancelAsync();
        try
        {
            await running.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (OperationCanceledException)
        {
            // Stopping by cancellation may surface either way.
        }
    }

    internal static ConnectionGrant NewGrant(string name, int limit) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
        Spec = new ConnectionGrantSpec { PodName = name.Split('.')[0], PodUid = Guid.NewGuid().ToString(), BudgetName = name.Split('.')[^1], Limit = limit },
    };

    private static Task<ConnectionGrant> PatchAsync(IKubernetes client, string name, string mergePatch) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<ConnectionGrant>(
            new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, name);
}

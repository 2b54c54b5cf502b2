using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>List-then-watch, resume and expiry, with the real KubernetesClient over HTTP.</summary>
public sealed class WatchTests
{
    private const string Ns = "default";

    [Fact]
    public async Task Watch_from_the_lists_resourceVersion_sees_every_later_change_once_in_order()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i}"), Ns);
        }

        var list = await client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        Assert.Equal(5, list.Items.Count);

        // Changes between the list and the watch must be replayed; changes after it must stream.
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("cm-5"), Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("cm-6"), Ns);
        var watch = client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 3);
        var collecting = WatchCollector.CollectAsync(watch);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("cm-7"), Ns);
        var cm0 = await client.CoreV1.ReadNamespacedConfigMapAsync("cm-0", Ns);
        cm0.Data = new Dictionary<string, string> { ["changed"] = "yes" };
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm0, "cm-0", Ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("cm-1", Ns);

        var events = await collecting;

        Assert.Equal(
            ["Added cm-5", "Added cm-6", "Added cm-7", "Modified cm-0", "Deleted cm-1"],
            events.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
        var versions = events.Select(e => long.Parse(e.Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.True(versions[0] > long.Parse(list.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_the_current_objects_as_ADDED()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b"), Ns);

        var events = await WatchCollector.CollectAsync(client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, timeoutSeconds: 1));

        Assert.Equal(["Added a", "Added b"], events.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
    }

    [Fact]
    public async Task Resuming_after_a_dropped_connection_from_the_last_seen_version_misses_and_repeats_nothing()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var start = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Metadata.ResourceVersion;
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("one"), Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("two"), Ns);

        // Read two events, then drop the connection.
        var first = await WatchCollector.CollectAsync(client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: start), stopAfter: 2);
        var lastSeen = first[^1].Object.Metadata.ResourceVersion;

        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("three"), Ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("one", Ns);

        var resumed = await WatchCollector.CollectAsync(client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: lastSeen, timeoutSeconds: 2));

        Assert.Equal(["Added one", "Added two"], first.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
        Assert.Equal(["Added three", "Deleted one"], resumed.Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
    }

    [Fact]
    public async Task A_version_older_than_the_history_gets_410_Expired_and_a_relist_recovers()
    {
        await using var server = await TestCluster.StartAsync(o => o.WatchHistoryLimit = 3);
        var client = server.CreateClient();
        var old = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Metadata.ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i}"), Ns);
        }

        var errors = new List<Exception>();
        var expired = await WatchCollector.CollectAsync(
            client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: old, onError: errors.Add));

        Assert.Empty(expired);
        var status = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, status.Status.Code);
        Assert.Equal("Expired", status.Status.Reason);

        var relist = await client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        Assert.Equal(5, relist.Items.Count);
        var watch = client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: relist.Metadata.ResourceVersion, timeoutSeconds: 2);
        var collecting = WatchCollector.CollectAsync(watch);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("after"), Ns);
        Assert.Equal(["Added after"], (await collecting).Select(e => $"{e.Type} {e.Object.Metadata.Name}"));
    }

    [Fact]
    public async Task Bookmarks_carry_a_version_to_resume_from()
    {
        await using var server = await TestCluster.StartAsync(o => o.BookmarkInterval = TimeSpan.FromMilliseconds(100));
        var client = server.CreateClient();
        var start = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Metadata.ResourceVersion;
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("x"), Ns);

        var events = await WatchCollector.CollectAsync(
            client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: start, allowWatchBookmarks: true), stopAfter: 2);

        Assert.Equal(WatchEventType.Added, events[0].Type);
        Assert.Equal(WatchEventType.Bookmark, events[1].Type);
        Assert.True(long.Parse(events[1].Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)
            >= long.Parse(events[0].Object.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_watch_with_a_label_selector_sees_objects_entering_and_leaving_the_selection()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var start = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Metadata.ResourceVersion;
        var watch = client.CoreV1.WatchListNamespacedConfigMapAsync(Ns, resourceVersion: start, labelSelector: "team=a", timeoutSeconds: 2);
        var collecting = WatchCollector.CollectAsync(watch);

        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("m", new() { ["team"] = "b" }), Ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch), "m", Ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "m", Ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"team":"c"}}}""", V1Patch.PatchType.MergePatch), "m", Ns);

        Assert.Equal(["Added", "Modified", "Deleted"], (await collecting).Select(e => e.Type.ToString()));
    }

    [Fact]
    public async Task Watching_in_a_namespace_that_is_not_there_is_allowed_and_stays_quiet()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var events = await WatchCollector.CollectAsync(client.CoreV1.WatchListNamespacedConfigMapAsync("elsewhere", timeoutSeconds: 1));
        Assert.Empty(events);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("x"), "elsewhere"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.Response.StatusCode);
    }

    internal static V1ConfigMap ConfigMap(string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Data = new Dictionary<string, string> { ["k"] = name },
    };
}

using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.Operator.Controller;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Controller;

public sealed class InformerTests(ITestOutputHelper output)
{
    private static readonly InformerSettings Fast = new()
    {
        ResyncPeriod = TimeSpan.Zero,
        WatchTimeout = TimeSpan.FromSeconds(1),
        MinRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task Lists_then_watches_and_resumes_after_watches_end_without_relisting()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateConfigMapAsync(cluster.Client, "before");
        var seen = new ConcurrentQueue<string>();
        var informer = new Informer<V1ConfigMap>(ConfigMaps(cluster.Client), [], Fast, TimeProvider.System, NullLogger.Instance);
        informer.AddHandler((old, @new) => seen.Enqueue($"{(old is null ? "add" : @new is null ? "delete" : "update")} {(old ?? @new)!.Metadata.Name}"));
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(informer.Cache.Get(new ObjectKey(TestCluster.Ns, "before")));

        // Each watch ends after a second (timeoutSeconds, most of them without a single line, which the
        // client reports as an EndOfStreamException); the informer must carry on from its resourceVersion.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await CreateConfigMapAsync(cluster.Client, "after");
        await cluster.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(new { data = new { k = "v2" } }, V1Patch.PatchType.MergePatch), "before", TestCluster.Ns);
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(TestCluster.Ns, "before"))?.Data?["k"] == "v2", "the update is seen");
        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("before", TestCluster.Ns);
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(TestCluster.Ns, "before")) is null, "the delete is seen");

        Assert.NotNull(informer.Cache.Get(new ObjectKey(TestCluster.Ns, "after")));
        Assert.Equal(0, informer.Relists);
        Assert.Equal(["add before", "add after", "update before", "delete before"], seen.Where(s => !s.Contains("kube-root", StringComparison.Ordinal)));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Relists_when_the_watch_resumes_from_an_expired_resource_version()
    {
        await using var cluster = await TestCluster.StartAsync(output, o => o.WatchHistoryLimit = 3);
        await CreateConfigMapAsync(cluster.Client, "kept");
        await CreateConfigMapAsync(cluster.Client, "doomed");

        // Hold the first watch back until the history it would resume from is gone.
        using var release = new SemaphoreSlim(0);
        var real = ConfigMaps(cluster.Client);
        var watches = 0;
        var gated = new ListWatchSource<V1ConfigMap>(real.Kind, real.List, (request, ct) => Gate(request, ct));
        async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> Gate(WatchRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            if (Interlocked.Increment(ref watches) == 1)
            {
                await release.WaitAsync(ct);
            }

            await foreach (var item in real.Watch(request, ct))
            {
                yield return item;
            }
        }

        var deleted = new ConcurrentBag<string>();
        var informer = new Informer<V1ConfigMap>(gated, [TestCluster.Ns], Fast with { WatchTimeout = TimeSpan.FromSeconds(30) }, TimeProvider.System, NullLogger.Instance);
        informer.AddHandler((old, @new) =>
        {
            if (@new is null)
            {
                deleted.Add(old!.Metadata.Name);
            }
        });
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("doomed", TestCluster.Ns);
        for (var i = 0; i < 6; i++)
        {
            await CreateConfigMapAsync(cluster.Client, "new-" + i);
        }

        release.Release();

        await Eventually.TrueAsync(() => informer.Relists == 1, "the informer relists after 410 Gone");
        await Eventually.TrueAsync(() => informer.Cache.List(TestCluster.Ns).Count(c => c.Metadata.Name.StartsWith("new-", StringComparison.Ordinal)) == 6, "the relist brings every new object");
        Assert.Null(informer.Cache.Get(new ObjectKey(TestCluster.Ns, "doomed")));
        Assert.Contains("doomed", deleted);
        Assert.NotNull(informer.Cache.Get(new ObjectKey(TestCluster.Ns, "kept")));

        // And it keeps watching after the relist.
        await CreateConfigMapAsync(cluster.Client, "latest");
        await Eventually.TrueAsync(() => informer.Cache.Get(new ObjectKey(TestCluster.Ns, "latest")) is not null, "changes after the relist are seen");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Resync_hands_every_cached_object_to_the_handlers_again()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateConfigMapAsync(cluster.Client, "one");
        var resyncs = 0;
        var informer = new Informer<V1ConfigMap>(ConfigMaps(cluster.Client), [TestCluster.Ns], Fast with { ResyncPeriod = TimeSpan.FromMilliseconds(100) }, TimeProvider.System, NullLogger.Instance);
        informer.AddHandler((old, @new) =>
        {
            if (old is not null && ReferenceEquals(old, @new))
            {
                Interlocked.Increment(ref resyncs);
            }
        });
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await Eventually.TrueAsync(() => Volatile.Read(ref resyncs) >= 3, "the object is handed out again each resync period");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public void A_write_through_is_not_undone_by_an_older_watch_event()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.AddIndexer("app", c => c.Metadata.Labels?.Values ?? []);
        Assert.True(cache.Upsert(Map("a", "10", "x")).Stored);
        Assert.True(cache.Upsert(Map("a", "12", "y")).Stored);

        Assert.False(cache.Upsert(Map("a", "11", "z")).Stored);
        Assert.Equal("12", cache.Get(new ObjectKey(TestCluster.Ns, "a"))!.Metadata.ResourceVersion);
        Assert.Empty(cache.ByIndex("app", "x"));
        Assert.Single(cache.ByIndex("app", "y"));
        Assert.Empty(cache.ByIndex("app", "z"));

        // A relist at an older version keeps the newer object; objects the list lacks are dropped.
        cache.Upsert(Map("b", "5", "y"));
        var changes = cache.Replace(TestCluster.Ns, [Map("a", "11", "z")], "11");
        Assert.Equal("12", cache.Get(new ObjectKey(TestCluster.Ns, "a"))!.Metadata.ResourceVersion);
        Assert.Null(cache.Get(new ObjectKey(TestCluster.Ns, "b")));
        Assert.Single(changes);
    }

    private static V1ConfigMap Map(string name, string rv, string app) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = TestCluster.Ns, ResourceVersion = rv, Labels = new Dictionary<string, string> { ["app"] = app } },
    };

    private static Task<V1ConfigMap> CreateConfigMapAsync(IKubernetes client, string name) =>
        client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["k"] = "v" } }, TestCluster.Ns);

    /// <summary>ConfigMaps: a plain kind the informer has no special knowledge of.</summary>
    private static ListWatchSource<V1ConfigMap> ConfigMaps(IKubernetes client) => new(
        "ConfigMap",
        async (ns, ct) =>
        {
            var list = ns is null
                ? await client.CoreV1.ListConfigMapForAllNamespacesAsync(cancellationToken: ct)
                : await client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: ct);
            return new ListResult<V1ConfigMap>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (request, ct) => request.Namespace is null
            ? client.CoreV1.WatchListConfigMapForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: request.ResourceVersion, timeoutSeconds: request.TimeoutSeconds, onError: request.OnError, cancellationToken: ct)
            : client.CoreV1.WatchListNamespacedConfigMapAsync(request.Namespace, allowWatchBookmarks: true, resourceVersion: request.ResourceVersion, timeoutSeconds: request.TimeoutSeconds, onError: request.OnError, cancellationToken: ct));
}

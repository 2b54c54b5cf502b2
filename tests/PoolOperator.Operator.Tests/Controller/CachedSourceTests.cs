using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Controller;

/// <summary>The sources the operator's informers read through: paged, narrowed, trimmed.</summary>
public sealed class CachedSourceTests(ITestOutputHelper output)
{
    private static readonly InformerSettings NoResync = new() { ResyncPeriod = TimeSpan.Zero };

    [Fact]
    public async Task Lists_in_pages_and_caches_pods_trimmed_to_what_the_operator_reads()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 25);
        for (var i = 0; i < 25; i++)
        {
            await cluster.CreatePodAsync("api", $"api-{i:00}");
        }

        var requests = new ConcurrentQueue<Uri>();
        using var client = new Kubernetes(cluster.Server.CreateClientConfiguration(), new RecordingHandler(requests));
        var source = KubernetesSources.Pods(client, new SourceOptions<V1Pod> { PageSize = 10, Transform = CacheTransforms.Pod });
        var informer = new Informer<V1Pod>(source, [TestCluster.Ns], NoResync, TimeProvider.System, NullLogger.Instance);

        var listed = await informer.ReplaceFromFreshListAsync(CancellationToken.None);

        Assert.Equal(25, listed);
        Assert.Equal(25, informer.Cache.List(TestCluster.Ns).Count);
        Assert.Empty(informer.Cache.List("elsewhere"));
        var pages = requests.Select(u => u.Query).ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages, q => Assert.Contains("limit=10", q, StringComparison.Ordinal));
        Assert.Equal(2, pages.Count(q => q.Contains("continue=", StringComparison.Ordinal)));

        var pod = informer.Cache.Get(new ObjectKey(TestCluster.Ns, "api-07"))!;
        Assert.NotNull(pod.Metadata.Uid);
        Assert.NotEmpty(pod.Metadata.Labels);
        Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Null(pod.Metadata.ManagedFields);
        Assert.Null(pod.Spec);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.All(pod.Status.Conditions ?? [], c => Assert.Equal("Ready", c.Type));
    }

    [Fact]
    public async Task Strings_that_repeat_across_cached_pods_are_kept_once()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-0");
        await cluster.CreatePodAsync("api", "api-1");
        using var client = new Kubernetes(cluster.Server.CreateClientConfiguration());
        var informer = new Informer<V1Pod>(KubernetesSources.Pods(client, new SourceOptions<V1Pod> { Transform = CacheTransforms.Pod }), [TestCluster.Ns], NoResync, TimeProvider.System, NullLogger.Instance);

        await informer.ReplaceFromFreshListAsync(CancellationToken.None);

        // Each pod was deserialized on its own, so without the pool every one of these is its own copy.
        var a = informer.Cache.Get(new ObjectKey(TestCluster.Ns, "api-0"))!;
        var b = informer.Cache.Get(new ObjectKey(TestCluster.Ns, "api-1"))!;
        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.Status.Phase, b.Status.Phase);
        var key = a.Metadata.Labels.Keys.First();
        Assert.Same(a.Metadata.Labels.Keys.First(), b.Metadata.Labels.Keys.Single(k => k == key));
        Assert.Same(a.Metadata.Labels[key], b.Metadata.Labels[key]);
        Assert.Same(a.Metadata.OwnerReferences[0].Name, b.Metadata.OwnerReferences[0].Name);
        Assert.Same(a.Metadata.OwnerReferences[0].Uid, b.Metadata.OwnerReferences[0].Uid);
    }

    [Fact]
    public void The_operators_own_writes_are_cached_trimmed_and_pooled_like_watched_grants()
    {
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var informer = new Informer<ConnectionGrant>(KubernetesSources.Grants(client, new SourceOptions<ConnectionGrant> { Transform = CacheTransforms.Grant }), [TestCluster.Ns], NoResync, TimeProvider.System, NullLogger.Instance);

        // What a real API server answers to a write: managedFields included; strings fresh from the wire.
        static ConnectionGrant Answer(string pod) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = pod + ".orders",
                NamespaceProperty = new string(TestCluster.Ns.AsSpan()),
                ResourceVersion = "7",
                ManagedFields = [new V1ManagedFieldsEntry { Manager = "pool-operator", Operation = "Update" }],
                Labels = new Dictionary<string, string> { [new string(ApiGroup.BudgetLabel.AsSpan())] = new string("orders".AsSpan()), [ApiGroup.PodLabel] = pod },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = new string("Pod".AsSpan()), Name = pod, Uid = "uid-" + pod }],
            },
            Spec = new ConnectionGrantSpec { PodName = pod, PodUid = "uid-" + pod, BudgetName = new string("orders".AsSpan()), Limit = 3 },
        };

        var podA = new string("api-a".AsSpan());
        informer.WriteThrough(Answer(podA));
        informer.WriteThrough(Answer("api-b"));

        var a = informer.Cache.Get(new ObjectKey(TestCluster.Ns, "api-a.orders"))!;
        var b = informer.Cache.Get(new ObjectKey(TestCluster.Ns, "api-b.orders"))!;
        Assert.Null(a.Metadata.ManagedFields);
        Assert.Equal(3, a.Spec.Limit);
        Assert.Same(a.Metadata.NamespaceProperty, b.Metadata.NamespaceProperty);
        Assert.Same(a.Spec.BudgetName, b.Spec.BudgetName);
        Assert.Same(a.Metadata.Labels[ApiGroup.BudgetLabel], b.Metadata.Labels[ApiGroup.BudgetLabel]);
        Assert.Same(a.Metadata.OwnerReferences[0].Kind, b.Metadata.OwnerReferences[0].Kind);

        // One value per grant is left as it came (pooling it would only evict the shared ones).
        Assert.Same(podA, a.Metadata.Labels[ApiGroup.PodLabel]);
    }

    [Fact]
    public async Task A_fresh_relist_replaces_what_the_cache_holds_and_tells_the_handlers()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        var informer = new Informer<V1Pod>(KubernetesSources.Pods(cluster.Client), [TestCluster.Ns], NoResync, TimeProvider.System, NullLogger.Instance);
        var seen = new ConcurrentQueue<string>();
        informer.AddHandler((old, @new) => seen.Enqueue($"{(old is null ? "add" : @new is null ? "delete" : "update")} {(old ?? @new)!.Metadata.Name}"));
        await informer.ReplaceFromFreshListAsync(CancellationToken.None);

        // Changes the informer never watched: only the fresh list can bring them.
        await cluster.RemovePodAsync("api-b");
        await cluster.CreatePodAsync("api", "api-c");
        await informer.ReplaceFromFreshListAsync(CancellationToken.None);

        Assert.Equal(["api-a", "api-c"], informer.Cache.List(TestCluster.Ns).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["add api-a", "add api-b", "add api-c", "delete api-b"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_namespace_index_follows_adds_moves_and_removals()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Upsert(Map("a", "one", "1"));
        cache.Upsert(Map("b", "one", "2"));
        cache.Upsert(Map("a", "two", "3"));
        cache.Remove(new ObjectKey("one", "b"));

        Assert.Equal(["a"], cache.List("one").Select(c => c.Metadata.Name));
        Assert.Single(cache.List("two"));
        Assert.Empty(cache.List("three"));
        Assert.Equal(2, cache.List().Count);

        var changes = cache.Replace("one", [], "10");
        Assert.Single(changes);
        Assert.Empty(cache.List("one"));
        Assert.Single(cache.List("two"));
    }

    private static V1ConfigMap Map(string name, string ns, string rv) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = rv },
    };

    private sealed class RecordingHandler(ConcurrentQueue<Uri> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Enqueue(request.RequestUri!);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

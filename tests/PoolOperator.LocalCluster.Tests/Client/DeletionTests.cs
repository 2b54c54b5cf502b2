using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>Pod grace periods and owner-reference garbage collection.</summary>
public sealed class DeletionTests
{
    private const string Ns = "default";

    [Fact]
    public async Task Deleting_a_pod_deletes_the_grants_it_owns()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var pod = await client.CoreV1.CreateNamespacedPodAsync(Pod("app-1", graceSeconds: 30), Ns);
        var grant = ObjectSemanticsTests.NewGrant("app-1.budget", 5);
        grant.Metadata.OwnerReferences = [Owner("v1", "Pod", "app-1", pod.Metadata.Uid)];
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);
        var unrelated = await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(
            ObjectSemanticsTests.NewGrant("other.budget", 5), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        await client.CoreV1.DeleteNamespacedPodAsync("app-1", Ns, gracePeriodSeconds: 0);

        await Eventually.TrueAsync(async () => (await Grants(client)).SequenceEqual(["other.budget"]), "the pod's grant is collected");
        Assert.NotNull(unrelated);
    }

    [Fact]
    public async Task A_pod_deleted_with_a_grace_period_stays_Terminating_until_it_ends()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedPodAsync(Pod("slow", graceSeconds: 1), Ns);

        await client.CoreV1.DeleteNamespacedPodAsync("slow", Ns);
        var terminating = await client.CoreV1.ReadNamespacedPodAsync("slow", Ns);

        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(1, terminating.Metadata.DeletionGracePeriodSeconds);
        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(Ns)).Items.Count == 0, "the grace period ends and the pod goes");
    }

    [Fact]
    public async Task A_second_delete_with_grace_zero_removes_a_terminating_pod_at_once()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedPodAsync(Pod("p", graceSeconds: 600), Ns);
        await client.CoreV1.DeleteNamespacedPodAsync("p", Ns);
        Assert.Single((await client.CoreV1.ListNamespacedPodAsync(Ns)).Items);

        await client.CoreV1.DeleteNamespacedPodAsync("p", Ns, gracePeriodSeconds: 0);

        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(Ns)).Items);
    }

    [Fact]
    public async Task Deleting_a_deployment_collects_its_pods_and_then_their_grants()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var deployment = await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] },
                },
            },
        }, Ns);
        var pod = Pod("web-1", graceSeconds: 0);
        pod.Metadata.OwnerReferences = [Owner("apps/v1", "Deployment", "web", deployment.Metadata.Uid)];
        pod = await client.CoreV1.CreateNamespacedPodAsync(pod, Ns);
        var grant = ObjectSemanticsTests.NewGrant("web-1.budget", 5);
        grant.Metadata.OwnerReferences = [Owner("v1", "Pod", "web-1", pod.Metadata.Uid)];
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        await client.AppsV1.DeleteNamespacedDeploymentAsync("web", Ns);

        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(Ns)).Items.Count == 0, "the deployment's pod is collected");
        await Eventually.TrueAsync(async () => (await Grants(client)).Count == 0, "the pod's grant is collected");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_terminating_pods_are_gone()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);
        var pod = Pod("dependent", graceSeconds: 600);
        pod.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid)];
        await client.CoreV1.CreateNamespacedPodAsync(pod, Ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", Ns, propagationPolicy: "Foreground");

        var waiting = await client.CoreV1.ReadNamespacedConfigMapAsync("owner", Ns);
        Assert.NotNull(waiting.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", waiting.Metadata.Finalizers);
        // The collector is asynchronous: the pod is marked for deletion after the collection delay, and the owner waits for it.
        await Eventually.TrueAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("dependent", Ns)).Metadata.DeletionTimestamp is not null, "the collector deletes the pod");
        Assert.Single((await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items);
        await client.CoreV1.DeleteNamespacedPodAsync("dependent", Ns, gracePeriodSeconds: 0);
        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items.Count == 0, "the owner goes after its pod");
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(Ns)).Items);
    }

    [Fact]
    public async Task Garbage_collection_is_asynchronous_dependents_outlive_their_owner_for_the_collection_delay()
    {
        await using var server = await TestCluster.StartAsync(o => o.GarbageCollectionDelay = TimeSpan.FromHours(1));
        var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);
        var dependent = WatchTests.ConfigMap("dependent");
        dependent.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid)];
        await client.CoreV1.CreateNamespacedConfigMapAsync(dependent, Ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", Ns);

        var left = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items.Select(c => c.Metadata.Name).ToList();
        Assert.Equal(["dependent"], left);
    }

    [Fact]
    public async Task An_owner_recreated_under_the_same_name_does_not_save_the_old_ones_dependents_but_another_live_owner_does()
    {
        await using var server = await TestCluster.StartAsync(o => o.GarbageCollectionDelay = TimeSpan.FromSeconds(3));
        var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);
        var other = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("other-owner"), Ns);
        var dependent = WatchTests.ConfigMap("dependent");
        dependent.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid)];
        await client.CoreV1.CreateNamespacedConfigMapAsync(dependent, Ns);
        var shared = WatchTests.ConfigMap("shared");
        shared.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid), Owner("v1", "ConfigMap", "other-owner", other.Metadata.Uid)];
        await client.CoreV1.CreateNamespacedConfigMapAsync(shared, Ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", Ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);

        await Eventually.TrueAsync(async () => !(await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items.Any(c => c.Metadata.Name == "dependent"), "the dependent of the old owner is collected");
        var left = (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items.Select(c => c.Metadata.Name).Order().ToList();
        Assert.Equal(["other-owner", "owner", "shared"], left);
    }

    [Fact]
    public async Task A_dependent_created_after_its_owner_is_gone_is_collected()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", Ns);
        var late = WatchTests.ConfigMap("late");
        late.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid)];

        await client.CoreV1.CreateNamespacedConfigMapAsync(late, Ns);

        await Eventually.TrueAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items.Count == 0, "the orphan is collected");
    }

    [Fact]
    public async Task Orphan_propagation_keeps_dependents_and_drops_their_owner_reference()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("owner"), Ns);
        var dependent = WatchTests.ConfigMap("dependent");
        dependent.Metadata.OwnerReferences = [Owner("v1", "ConfigMap", "owner", owner.Metadata.Uid)];
        await client.CoreV1.CreateNamespacedConfigMapAsync(dependent, Ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", Ns, propagationPolicy: "Orphan");

        var kept = await client.CoreV1.ReadNamespacedConfigMapAsync("dependent", Ns);
        Assert.True(kept.Metadata.OwnerReferences is null or { Count: 0 });
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_contents()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } });
        await client.CoreV1.CreateNamespacedConfigMapAsync(WatchTests.ConfigMap("cm"), "team");
        await client.CoreV1.CreateNamespacedPodAsync(Pod("p", graceSeconds: 30), "team");

        await client.CoreV1.DeleteNamespaceAsync("team");

        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await client.CoreV1.ReadNamespaceAsync("team");
                return false;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "the namespace is gone");
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("team")).Items);
    }

    private static async Task<List<string>> Grants(IKubernetes client) =>
        (await client.CustomObjects.ListNamespacedCustomObjectAsync<ConnectionGrantList>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural))
            .Items.Select(g => g.Metadata.Name).ToList();

    private static V1OwnerReference Owner(string apiVersion, string kind, string name, string uid) =>
        new() { ApiVersion = apiVersion, Kind = kind, Name = name, Uid = uid, Controller = true, BlockOwnerDeletion = true };

    internal static V1Pod Pod(string name, long graceSeconds) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "example" }], TerminationGracePeriodSeconds = graceSeconds },
    };
}

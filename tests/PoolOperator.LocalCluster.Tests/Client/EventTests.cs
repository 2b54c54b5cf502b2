using k8s;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>events.k8s.io/v1 events, as the operator posts them, and their core v1 view for kubectl.</summary>
public sealed class EventTests
{
    private const string Ns = "default";

    [Fact]
    public async Task An_events_v1_event_also_shows_as_a_core_event_about_the_same_object()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var created = await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = "orders-db." },
            EventTime = DateTime.UtcNow,
            ReportingController = "pooloperator.io/operator",
            ReportingInstance = "operator-0",
            Action = "Rebalance",
            Reason = "Rebalanced",
            Type = "Normal",
            Note = "3 pods, 30 each",
            Regarding = new V1ObjectReference { Kind = "DatabaseBudget", Name = "orders-db", NamespaceProperty = Ns, ApiVersion = "pooloperator.io/v1alpha1" },
        }, Ns);

        var core = await client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: "involvedObject.kind=DatabaseBudget,involvedObject.name=orders-db");
        var mirrored = Assert.Single(core.Items);
        Assert.Equal(created.Metadata.Name, mirrored.Metadata.Name);
        Assert.Equal("3 pods, 30 each", mirrored.Message);
        Assert.Equal("Rebalanced", mirrored.Reason);
        Assert.Equal("pooloperator.io/operator", mirrored.ReportingComponent);

        await client.EventsV1.DeleteNamespacedEventAsync(created.Metadata.Name, Ns);
        Assert.Empty((await client.CoreV1.ListNamespacedEventAsync(Ns)).Items);
    }
}

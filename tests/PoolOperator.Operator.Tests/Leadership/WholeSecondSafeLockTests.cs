using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using PoolOperator.Operator.Leadership;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Leadership;

public sealed class WholeSecondSafeLockTests(ITestOutputHelper output)
{
    private static readonly DateTime WholeSecond = new(2026, 12, 1, 10, 0, 5, DateTimeKind.Utc);

    [Fact]
    public async Task A_lease_time_on_a_whole_second_is_refused_as_the_client_writes_it()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        var plain = new LeaseLock(cluster.Client, TestCluster.Ns, "plain", "operator-1");

        // KubernetesClient writes "...:05Z" for such a MicroTime; the API server cannot decode the body (400), and the
        // lock reports the create as lost.
        Assert.False(await plain.CreateAsync(Record(WholeSecond, WholeSecond)));
        var leases = await cluster.Client.CoordinationV1.ListNamespacedLeaseAsync(TestCluster.Ns);
        Assert.DoesNotContain(leases.Items, l => l.Metadata.Name == "plain");
    }

    [Fact]
    public async Task The_wrapped_lock_creates_and_renews_a_lease_whose_times_fall_on_whole_seconds()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        var safe = new WholeSecondSafeLock(new LeaseLock(cluster.Client, TestCluster.Ns, "operator", "operator-1"));

        Assert.True(await safe.CreateAsync(Record(WholeSecond, WholeSecond)));
        var renewal = Record(WholeSecond, WholeSecond.AddSeconds(2));
        renewal.AcquireTime = WholeSecond;
        Assert.True(await safe.UpdateAsync(renewal));

        var lease = await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("operator", TestCluster.Ns);
        Assert.Equal(WholeSecond.AddTicks(10), lease.Spec.AcquireTime);
        Assert.Equal(WholeSecond.AddSeconds(2).AddTicks(10), lease.Spec.RenewTime);
        Assert.Equal("operator-1", lease.Spec.HolderIdentity);
    }

    [Fact]
    public void Times_off_whole_seconds_are_left_as_they_are()
    {
        var acquired = WholeSecond.AddTicks(1234567);
        var record = WholeSecondSafeLock.OffWholeSeconds(Record(acquired, null));

        Assert.Equal(acquired, record.AcquireTime);
        Assert.Null(record.RenewTime);
    }

    private static LeaderElectionRecord Record(DateTime acquired, DateTime? renewed) => new()
    {
        HolderIdentity = "operator-1",
        LeaseDurationSeconds = 15,
        AcquireTime = acquired,
        RenewTime = renewed,
    };
}

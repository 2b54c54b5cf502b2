using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.DataSource;

/// <summary>The limit holds on the server: counted in pg_stat_activity, over every open path.</summary>
[Collection(PostgresTests.Name)]
public sealed class ConcurrencyLimitTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Limit_30_with_40_concurrent_workers_never_exceeds_30_backends()
    {
        var applicationName = TestDataSources.NewApplicationName("limit30");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 30);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);

        await using (var workload = new Workload(dataSource, workers: 40, TimeSpan.FromMilliseconds(20), mixPaths: true))
        {
            await Eventually.TrueAsync(() => workload.Completed >= 1500, "1500 queries completed", TimeSpan.FromSeconds(60));
        }

        var stats = dataSource.Stats();
        Assert.InRange(sampler.Max, 1, 30);
        Assert.True(stats.WaitCount > 0, "40 workers on 30 slots must have waited; otherwise the test proves nothing.");
        Assert.Equal(0, stats.InUse);
        Assert.Equal(0, stats.Bypassed);
        Assert.InRange(stats.Physical, 1, 30);
    }
}

using Microsoft.Extensions.Time.Testing;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Diagnostics;

/// <summary>A connection held past the threshold is reported once, with where it was opened.</summary>
[Collection(PostgresTests.Name)]
public sealed class LeakDetectionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_connection_held_past_the_threshold_is_reported_once_with_its_open_site()
    {
        var time = new FakeTimeProvider();
        var logs = new ListLoggerProvider();
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("leak"), limit: 2,
            options => options.LeakThreshold = TimeSpan.FromSeconds(10), time, logs);
        await using var shortLived = await dataSource.OpenConnectionAsync();
        await shortLived.CloseAsync();
        await using var leaked = await OpenAndForgetAsync(dataSource);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, dataSource.Stats().LeaksReported);

        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(1, dataSource.Stats().LeaksReported);
        var report = Assert.Single(logs.Entries, entry => entry.Id.Id == 2);
        Assert.Contains(nameof(OpenAndForgetAsync), report.Message, StringComparison.Ordinal);
        Assert.Contains("leak threshold 00:00:10", report.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_threshold_nothing_is_tracked()
    {
        var time = new FakeTimeProvider();
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("noleak"), limit: 1, time: time);
        await using var held = await dataSource.OpenConnectionAsync();

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, dataSource.Stats().LeaksReported);
    }

    private static async Task<BudgetedConnection> OpenAndForgetAsync(BudgetedDataSource dataSource) => await dataSource.OpenConnectionAsync();
}

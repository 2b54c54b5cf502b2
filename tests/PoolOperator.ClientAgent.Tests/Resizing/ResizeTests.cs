using System.Diagnostics;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Resizing;

/// <summary>Shrinking and growing at runtime, measured on the server.</summary>
[Collection(PostgresTests.Name)]
public sealed class ResizeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Shrink_from_30_to_10_under_load_reaches_10_physical_connections_and_completes_only_then()
    {
        var applicationName = TestDataSources.NewApplicationName("shrink");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 30);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);
        await using var workload = new Workload(dataSource, workers: 40, TimeSpan.FromMilliseconds(50));
        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) >= 25, "the load holds 25+ backends");

        var applied = await dataSource.ApplyLimitAsync(10).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(10, applied.Limit);
        Assert.InRange(applied.Physical.Total, 0, 10);
        Assert.InRange(applied.InUse, 0, 10);
        // A closed connection's backend leaves pg_stat_activity a moment after the client closes it: wait for that, bounded.
        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) <= 10, "server backends at or below 10");
        var settledAt = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.InRange(sampler.MaxSince(settledAt), 0, 10);
        Assert.InRange(dataSource.Stats().Physical, 0, 10);
        Assert.True(workload.Completed > 0);
    }

    [Fact]
    public async Task A_shrink_is_not_acknowledged_while_busy_connections_exceed_the_new_limit()
    {
        var applicationName = TestDataSources.NewApplicationName("shrink-held");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 30);
        var held = new List<BudgetedConnection>();
        for (var i = 0; i < 30; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync());
        }

        var shrink = dataSource.ApplyLimitAsync(10);
        await Task.WhenAny(shrink, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.False(shrink.IsCompleted, "30 connections are busy: a limit of 10 does not hold yet.");
        Assert.Equal(10, dataSource.Limit);

        foreach (var connection in held.Take(19))
        {
            await connection.DisposeAsync();
        }

        await Task.WhenAny(shrink, Task.Delay(TimeSpan.FromMilliseconds(300)));
        Assert.False(shrink.IsCompleted, "11 connections are still busy.");

        await held[19].DisposeAsync();
        var applied = await shrink.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(10, applied.Physical.Total);
        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) == 10, "10 backends on the server");

        foreach (var connection in held.Skip(20))
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Grow_from_10_to_30_applies_at_once_and_admits_more_connections()
    {
        var applicationName = TestDataSources.NewApplicationName("grow");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 10);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);
        await using var workload = new Workload(dataSource, workers: 40, TimeSpan.FromMilliseconds(50));
        await Eventually.TrueAsync(() => dataSource.Stats().Waiting > 0, "workers waiting at a limit of 10");
        Assert.InRange(sampler.Max, 0, 10);

        var applied = await dataSource.ApplyLimitAsync(30).WaitAsync(TimeSpan.FromSeconds(10));
        var grownAt = Stopwatch.GetTimestamp();

        Assert.Equal(30, applied.Limit);
        await Eventually.TrueAsync(() => sampler.MaxSince(grownAt) > 10, "more than 10 backends sampled after the raise");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.InRange(sampler.MaxSince(grownAt), 11, 30);
    }

    [Fact]
    public async Task A_shrink_from_6_to_4_under_load_closes_exactly_2_backends_and_the_other_4_keep_theirs()
    {
        var applicationName = TestDataSources.NewApplicationName("surplus");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 6);
        await using var workload = new Workload(dataSource, workers: 10, TimeSpan.FromMilliseconds(30));
        await Eventually.TrueAsync(async () => (await ServerBackends.PidsAsync(postgres.Server, applicationName)).Count == 6, "the load holds 6 backends");
        var before = await ServerBackends.PidsAsync(postgres.Server, applicationName);
        var completedBefore = workload.Completed;

        var applied = await dataSource.ApplyLimitAsync(4).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(4, applied.Limit);
        Assert.InRange(applied.Physical.Total, 0, 4);
        await Eventually.TrueAsync(async () => (await ServerBackends.PidsAsync(postgres.Server, applicationName)).Count == 4, "4 backends on the server");
        await Eventually.TrueAsync(() => workload.Completed > completedBefore + 20, "the load goes on at 4");
        var after = await ServerBackends.PidsAsync(postgres.Server, applicationName);
        Assert.Equal(4, after.Count);
        Assert.Subset(before, after);
        Assert.Equal(2, before.Except(after).Count());
    }

    [Fact]
    public async Task Without_a_measurement_of_the_physical_connections_a_shrink_never_holds()
    {
        var applicationName = TestDataSources.NewApplicationName("unmeasured");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 3);
        await (await dataSource.OpenConnectionAsync()).DisposeAsync();

        // A meter for a pool Npgsql never reports: what a missing db.client.connection.count instrument looks like.
        using var absent = new PhysicalConnectionMeter("no-such-pool-" + Guid.NewGuid().ToString("N"));
        var resizer = new LimitResizer(dataSource.Gate, dataSource.NpgsqlDataSource, absent, ceiling: 50, TimeSpan.FromMilliseconds(20), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Null(await resizer.TrimAndMeasureAsync(CancellationToken.None));
        var shrink = resizer.ApplyAsync(1, CancellationToken.None);
        await Task.WhenAny(shrink, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.False(shrink.IsCompleted, "Unmeasured, a shrink must not be taken as holding (the agent would acknowledge it).");
        Assert.NotNull(await dataSource.Resizer.TrimAndMeasureAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_broken_connector_leaves_the_agent_counting_at_least_what_the_server_holds()
    {
        var applicationName = TestDataSources.NewApplicationName("broken");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 3);
        using var cancel = new CancellationTokenSource();
        var connections = new List<BudgetedConnection>();
        var queries = new List<Task>();
        for (var i = 0; i < 3; i++)
        {
            var connection = await dataSource.OpenConnectionAsync();
            connections.Add(connection);
            var command = connection.CreateCommand();
            command.CommandText = "SELECT pg_sleep(30)";
            queries.Add(command.ExecuteNonQueryAsync(cancel.Token));
        }

        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) == 3, "3 busy backends");
        var victim = (await ServerBackends.PidsAsync(postgres.Server, applicationName)).First();
        await postgres.Server.ExecuteAsync($"SELECT pg_terminate_backend({victim})");
        await Eventually.TrueAsync(() => queries.Count(query => query.IsFaulted) == 1, "the killed backend's query failed");

        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) == 2, "2 backends on the server");
        var couldHold = await dataSource.Resizer.TrimAndMeasureAsync(CancellationToken.None);
        Assert.NotNull(couldHold);
        Assert.InRange(couldHold.Value, await postgres.Server.CountBackendsAsync(applicationName), 3);
        Assert.Equal(2, dataSource.Stats().Physical);
        Assert.DoesNotContain(victim, await ServerBackends.PidsAsync(postgres.Server, applicationName));

        await cancel.CancelAsync();
        await Task.WhenAll(queries.Select(query => query.ContinueWith(static _ => { }, TaskScheduler.Default)));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        await using var next = await dataSource.OpenConnectionAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(await postgres.Server.CountBackendsAsync(applicationName), (await dataSource.Resizer.TrimAndMeasureAsync(CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task A_limit_above_the_pool_ceiling_is_applied_as_the_ceiling()
    {
        var applicationName = TestDataSources.NewApplicationName("ceiling");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 5, options => options.MaxPoolSize = 8);

        var applied = await dataSource.ApplyLimitAsync(20);

        Assert.Equal(8, applied.Limit);
        Assert.Equal(8, dataSource.Limit);
    }
}

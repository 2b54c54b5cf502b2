using Microsoft.EntityFrameworkCore;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.EntityFrameworkCore;

/// <summary>EF Core opens its connections itself; the interceptor puts those opens through the gate.</summary>
[Collection(PostgresTests.Name)]
public sealed class EfCoreGatingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task EF_Core_queries_wait_at_the_gate_and_hold_no_more_backends_than_the_limit()
    {
        var database = "ef_" + Guid.NewGuid().ToString("N")[..12];
        await postgres.Server.ExecuteAsync($"CREATE DATABASE {database}");
        var applicationName = TestDataSources.NewApplicationName("ef");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 3, database: database);
        var options = new DbContextOptionsBuilder<ShopContext>().UseBudgetedNpgsql(dataSource).Options;
        await using (var setup = new ShopContext(options))
        {
            await setup.Database.EnsureCreatedAsync();
            setup.Orders.AddRange(Enumerable.Range(1, 10).Select(i => new Order { Id = i, Total = i * 10 }));
            await setup.SaveChangesAsync();
        }

        await using var sampler = new BackendSampler(postgres.Server, applicationName);
        var queries = Enumerable.Range(0, 12).Select(async i =>
        {
            await using var context = new ShopContext(options);
            await context.Database.OpenConnectionAsync();
            try
            {
                await context.Database.ExecuteSqlRawAsync("SELECT pg_sleep(0.15)");
                return await context.Orders.Where(order => order.Total > i).CountAsync();
            }
            finally
            {
                await context.Database.CloseConnectionAsync();
            }
        });
        var counts = await Task.WhenAll(queries);
        var syncCount = SyncQuery(options);

        Assert.Equal(10, counts[0]);
        Assert.Equal(10, syncCount);
        Assert.InRange(sampler.Max, 1, 3);
        var stats = dataSource.Stats();
        Assert.True(stats.WaitCount > 0, "12 contexts on 3 slots must have waited; otherwise the test proves nothing.");
        Assert.Equal(0, stats.InUse);
        Assert.Equal(0, stats.Bypassed);
    }

    [Fact]
    public async Task A_failed_EF_Core_open_gives_its_slot_back()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("effail"), limit: 1,
            options => options.AcquireTimeout = TimeSpan.FromSeconds(2), database: "no_such_database");
        var options = new DbContextOptionsBuilder<ShopContext>().UseBudgetedNpgsql(dataSource).Options;

        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var context = new ShopContext(options);
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => context.Orders.CountAsync());
        }

        Assert.Equal(0, dataSource.Stats().InUse);
    }

    private static int SyncQuery(DbContextOptions<ShopContext> options)
    {
        using var context = new ShopContext(options);
        return context.Orders.Count();
    }

    private sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
    {
        public DbSet<Order> Orders => Set<Order>();
    }

    private sealed class Order
    {
        public int Id { get; set; }

        public int Total { get; set; }
    }
}

using Npgsql;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.DataSource;

/// <summary>Each open gives its slot back exactly once: on close, dispose, a broken connection, or a failed open.</summary>
[Collection(PostgresTests.Name)]
public sealed class SlotReleaseTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Close_then_dispose_then_close_again_releases_once()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("release"), limit: 3);
        await using var other = await dataSource.OpenConnectionAsync();
        var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(2, dataSource.Stats().InUse);

        await connection.CloseAsync();
        await connection.DisposeAsync();
        await connection.CloseAsync();
        await connection.DisposeAsync();

        Assert.Equal(1, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task A_closed_connection_reopened_takes_a_slot_again()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("reopen"), limit: 1,
            options => options.AcquireTimeout = TimeSpan.FromMilliseconds(300));
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.CloseAsync();
        await using var other = await dataSource.OpenConnectionAsync();

        await Assert.ThrowsAsync<ConnectionBudgetTimeoutException>(() => connection.OpenAsync());

        await other.CloseAsync();
        await connection.OpenAsync();
        Assert.Equal(1, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task A_busy_connection_terminated_on_the_server_frees_its_slot()
    {
        var applicationName = TestDataSources.NewApplicationName("break");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 1);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_sleep(30)";
        var query = command.ExecuteNonQueryAsync();
        await Eventually.TrueAsync(
            async () => await postgres.Server.TerminateBackendsAsync(applicationName, activeOnly: true) == 1, "the busy backend terminated");

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => query);

        Assert.Equal(0, dataSource.Stats().InUse);
        await using var next = await dataSource.OpenConnectionAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, dataSource.Stats().InUse);

        // The broken connection's later dispose must not release a second time.
        await connection.DisposeAsync();
        Assert.Equal(1, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task A_failed_open_to_a_closed_port_releases_its_reservation()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Port = ClosedPort(), Timeout = 3 }.ConnectionString;
        var options = new ClientAgentOptions { StaticLimit = 1, AcquireTimeout = TimeSpan.FromSeconds(2) };
        await using var dataSource = new BudgetedDataSourceBuilder(connectionString, options).Build();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var exception = await Assert.ThrowsAnyAsync<Exception>(() => dataSource.OpenConnectionAsync().AsTask());
            Assert.IsNotType<ConnectionBudgetTimeoutException>(exception);
        }

        Assert.Equal(0, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task A_failed_open_to_a_missing_database_releases_its_reservation_on_every_path()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("nodb"), limit: 1,
            options => options.AcquireTimeout = TimeSpan.FromSeconds(2), database: "no_such_database");

        await Assert.ThrowsAsync<PostgresException>(() => dataSource.OpenConnectionAsync().AsTask());
        Assert.Throws<PostgresException>(() => dataSource.OpenConnection());
        await using (var connection = dataSource.CreateConnection())
        {
            await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        }

        await using (var command = dataSource.CreateCommand("SELECT 1"))
        {
            await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        }

        Assert.Equal(0, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task Opening_the_inner_connection_directly_is_counted_as_a_bypass_and_released_on_close()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("bypass"), limit: 1);
        await using var connection = dataSource.CreateConnection();

        await connection.Inner.OpenAsync();
        Assert.Equal(1, dataSource.Stats().Bypassed);
        Assert.Equal(1, dataSource.Stats().InUse);

        await connection.Inner.CloseAsync();
        Assert.Equal(0, dataSource.Stats().InUse);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

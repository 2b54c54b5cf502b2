using Npgsql;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Fixture;

/// <summary>The shared fixture itself: the server runs with the asked limits and counts backends by application name.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task Starts_with_the_configured_limits_and_counts_backends_by_application_name()
    {
        await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 25, SuperuserReservedConnections = 2 });

        var builder = server.CreateConnectionStringBuilder();
        builder.ApplicationName = "fixture-smoke";
        await using var dataSource = NpgsqlDataSource.Create(builder);
        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();

        await using var show = first.CreateCommand();
        show.CommandText = "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int";
        await using var reader = await show.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(25, reader.GetInt32(0));
        Assert.Equal(2, reader.GetInt32(1));
        Assert.Equal(2, await server.CountBackendsAsync("fixture-smoke"));
        Assert.Equal(25, server.MaxConnections);
    }

    [Fact]
    public async Task Dispose_stops_the_server_and_removes_its_directory()
    {
        var server = await PostgresServer.StartAsync();
        var root = server.RootDirectory;
        var connectionString = server.ConnectionString;

        await server.DisposeAsync();

        Assert.False(Directory.Exists(root));
        await using var connection = new NpgsqlConnection(connectionString);
        await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync());
    }
}

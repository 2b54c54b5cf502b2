using Npgsql;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Fixture;

/// <summary>The shared fixture itself: the server runs with the asked limits, counts backends by application name, and goes away on dispose.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task Starts_with_the_configured_limits_counts_backends_and_is_removed_on_dispose()
    {
        var server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 25, SuperuserReservedConnections = 2 });
        var root = server.RootDirectory;
        var builder = server.CreateConnectionStringBuilder();
        builder.ApplicationName = "fixture-smoke";
        await using (var dataSource = NpgsqlDataSource.Create(builder))
        {
            await using var first = await dataSource.OpenConnectionAsync();
            await using var second = await dataSource.OpenConnectionAsync();
            await using var show = first.CreateCommand();
            show.CommandText = "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int";
            await using (var reader = await show.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal(25, reader.GetInt32(0));
                Assert.Equal(2, reader.GetInt32(1));
            }

            Assert.Equal(2, await server.CountBackendsAsync("fixture-smoke"));
            Assert.Equal(25, server.MaxConnections);
        }

        await server.DisposeAsync();

        Assert.False(Directory.Exists(root));
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task Invalid_options_are_rejected_before_anything_starts()
    {
        var exception = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 5, SuperuserReservedConnections = 5 }));

        Assert.Equal("SuperuserReservedConnections", exception.ParamName);
    }
}

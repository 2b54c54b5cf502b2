using Npgsql;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests;

/// <summary>What the server says about one application's backends (pg_stat_activity), from an admin connection.</summary>
internal static class ServerBackends
{
    public static async Task<HashSet<int>> PidsAsync(PostgresServer server, string applicationName)
    {
        var builder = server.CreateConnectionStringBuilder();
        builder.ApplicationName = PostgresServer.AdminApplicationName;
        builder.Pooling = false;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1", connection);
        command.Parameters.AddWithValue(applicationName);
        var pids = new HashSet<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }
}

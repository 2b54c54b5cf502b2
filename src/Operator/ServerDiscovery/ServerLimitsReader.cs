using System.Globalization;
using Npgsql;

namespace PoolOperator.Operator.ServerDiscovery;

/// <summary>Reads a server's connection limits through Npgsql.</summary>
public static class ServerLimitsReader
{
    /// <summary>Connects with <paramref name="connectionString"/> and reads the limits.</summary>
    /// <exception cref="ServerDiscoveryException">When the string is invalid or the server cannot be reached.</exception>
    public static async Task<ServerLimits> ReadAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ServerDiscoveryException("InvalidConnectionString", $"The connection string is not valid: {ex.Message}", ex);
        }

        // One short-lived connection, outside any pool, so that the operator never holds a slot.
        builder.Pooling = false;
        builder.Timeout = Math.Max(1, (int)timeout.TotalSeconds);
        builder.CommandTimeout = Math.Max(1, (int)timeout.TotalSeconds);
        builder.ApplicationName ??= "pool-operator";

        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            var version = int.Parse(await ShowAsync(connection, "server_version_num", cancellationToken), CultureInfo.InvariantCulture);
            var max = int.Parse(await ShowAsync(connection, "max_connections", cancellationToken), CultureInfo.InvariantCulture);
            var superuser = int.Parse(await ShowAsync(connection, "superuser_reserved_connections", cancellationToken), CultureInfo.InvariantCulture);
            var reserved = version >= 160000
                ? int.Parse(await ShowAsync(connection, "reserved_connections", cancellationToken), CultureInfo.InvariantCulture)
                : 0;
            return new ServerLimits(max, superuser, reserved, version) { ConnectionsByApplication = await ActivityAsync(connection, cancellationToken) };
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or FormatException)
        {
            throw new ServerDiscoveryException("ConnectionFailed", $"Could not read the limits of {builder.Host}:{builder.Port}: {ex.Message}", ex);
        }
    }

    /// <summary>The server is the judge: what each application (pod) really has open.</summary>
    private static async Task<Dictionary<string, int>> ActivityAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var byApplication = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT application_name, count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY application_name",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            byApplication[reader.IsDBNull(0) ? "" : reader.GetString(0)] = reader.GetInt32(1);
        }

        return byApplication;
    }

    private static async Task<string> ShowAsync(NpgsqlConnection connection, string setting, CancellationToken cancellationToken)
    {
        // SHOW takes no parameters; the setting names are constants of this class.
#pragma warning disable CA2100
        await using var command = new NpgsqlCommand("SHOW " + setting, connection);
#pragma warning restore CA2100
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

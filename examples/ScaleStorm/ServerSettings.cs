using Npgsql;

namespace PoolOperator.ScaleStorm;

/// <summary>Small questions the storm asks its PostgreSQL server directly.</summary>
internal static class ServerSettings
{
    public static async Task<int> MaxConnectionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_setting('max_connections')::int", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Creates the login the replicas use: an ordinary role, like an application's, so that the
    /// server's superuser_reserved_connections stay out of its reach. Returns its connection string.
    /// </summary>
    public static async Task<string> CreateApplicationRoleAsync(string superuserConnectionString, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(superuserConnectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("CREATE ROLE storm_app LOGIN", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(superuserConnectionString) { Username = "storm_app", Password = null }.ConnectionString;
    }

    /// <summary>
    /// Waits until the previous run's connections (those of the application's login) are gone, so each
    /// run starts from an idle server. By login, not application_name: the agent names connections after its pod.
    /// </summary>
    public static async Task WaitForNoClientsAsync(string connectionString, string applicationUser, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND usename = @user", connection);
        command.Parameters.AddWithValue("user", applicationUser);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && (int)(await command.ExecuteScalarAsync(cancellationToken))! > 0)
        {
            await Task.Delay(100, cancellationToken);
        }
    }
}

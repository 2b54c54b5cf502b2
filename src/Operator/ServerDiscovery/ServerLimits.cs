namespace PoolOperator.Operator.ServerDiscovery;

/// <summary>A PostgreSQL server's connection limits, as read from its settings.</summary>
/// <param name="MaxConnections">max_connections.</param>
/// <param name="SuperuserReservedConnections">superuser_reserved_connections.</param>
/// <param name="ReservedConnections">reserved_connections (PostgreSQL 16+; 0 before).</param>
/// <param name="ServerVersion">The server's version number (server_version_num).</param>
public sealed record ServerLimits(int MaxConnections, int SuperuserReservedConnections, int ReservedConnections, int ServerVersion)
{
    /// <summary>
    /// Client backends by application_name (the agents set it to their pod name), sampled from pg_stat_activity with
    /// the limits; empty when not sampled.
    /// </summary>
    public IReadOnlyDictionary<string, int> ConnectionsByApplication { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Connections ordinary roles may open: max_connections minus both reserved settings.</summary>
    public int UsableConnections => MaxConnections - SuperuserReservedConnections - ReservedConnections;
}

/// <summary>The server named by a budget's serverRef could not be read; the message says why.</summary>
public sealed class ServerDiscoveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServerDiscoveryException(string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>A CamelCase reason for the condition: SecretNotFound, SecretKeyMissing, InvalidConnectionString or ConnectionFailed.</summary>
    public string Reason { get; }
}

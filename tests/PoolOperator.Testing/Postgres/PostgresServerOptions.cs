namespace PoolOperator.Testing;

/// <summary>How a throwaway <see cref="PostgresServer"/> is configured.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>The server's <c>max_connections</c>.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>The server's <c>superuser_reserved_connections</c>; must be smaller than <see cref="MaxConnections"/>.</summary>
    public int SuperuserReservedConnections { get; set; } = 3;

    /// <summary>
    /// Directory holding <c>initdb</c> and <c>pg_ctl</c>. When unset, <c>POOLOPERATOR_PG_BIN</c> is used,
    /// then the newest <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    public string? BinDirectory { get; set; }

    /// <summary>Extra <c>-c name=value</c> server settings.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long <c>pg_ctl start</c> may take before the start is reported as failed.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    internal void Validate()
    {
        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "MaxConnections must be at least 1.");
        }

        if (SuperuserReservedConnections < 0 || SuperuserReservedConnections >= MaxConnections)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SuperuserReservedConnections),
                SuperuserReservedConnections,
                $"SuperuserReservedConnections must be between 0 and MaxConnections - 1 ({MaxConnections - 1}).");
        }
    }
}

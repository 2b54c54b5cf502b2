using Xunit;

namespace PoolOperator.Testing;

/// <summary>
/// xunit glue for <see cref="PostgresServer"/>: use as a class or collection fixture. Derive and
/// override <see cref="CreateOptions"/> for another max_connections.
/// </summary>
public class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The running server.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("The fixture has not been initialised.");

    /// <summary>Shortcut for <see cref="PostgresServer.ConnectionString"/>.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(CreateOptions());

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The options of the server; the defaults unless overridden.</summary>
    protected virtual PostgresServerOptions CreateOptions() => new();
}

using PoolOperator.Testing;

namespace PoolOperator.ScaleStorm.Tests;

/// <summary>One PostgreSQL server with max_connections 100 and the storm's ordinary application role.</summary>
public sealed class StormServerFixture : PostgresFixture, IAsyncLifetime
{
    public string ApplicationConnectionString { get; private set; } = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        ApplicationConnectionString = await ServerSettings.CreateApplicationRoleAsync(ConnectionString, CancellationToken.None);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

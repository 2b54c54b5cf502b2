using Microsoft.Extensions.Logging;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests;

/// <summary>Builds budgeted data sources against the test server, each tagged with its own application name.</summary>
internal static class TestDataSources
{
    public static string NewApplicationName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    public static BudgetedDataSource Create(
        PostgresServer server,
        string applicationName,
        int? limit,
        Action<ClientAgentOptions>? configure = null,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        string? database = null)
    {
        var connection = server.CreateConnectionStringBuilder(database);
        connection.ApplicationName = applicationName;
        var options = new ClientAgentOptions { StaticLimit = limit, MaxPoolSize = 50, BudgetName = "test-budget", AcquireTimeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        var builder = new BudgetedDataSourceBuilder(connection.ConnectionString, options);
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        if (loggerFactory is not null)
        {
            builder.LoggerFactory = loggerFactory;
        }

        return builder.Build();
    }
}

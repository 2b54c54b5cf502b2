using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PoolOperator.Examples.OrdersApi;

/// <summary>The service's registrations and routes, kept out of Program.cs so they read as one list each.</summary>
public static class OrdersEndpoints
{
    /// <summary>The tag of the checks /readyz runs: the agent's (not ready until the first grant is applied).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// The agent's data source over <c>ConnectionStrings:Orders</c> (env <c>ConnectionStrings__Orders</c>, from the
    /// Secret) and its health check. Everything else the agent needs comes from the environment (POD_NAME,
    /// POD_NAMESPACE, POD_UID, POOLOPERATOR_BUDGET).
    /// </summary>
    public static IServiceCollection AddOrdersApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString("Orders");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Orders is not set: give the pod the environment variable ConnectionStrings__Orders (examples/app reads it from the Secret orders-db).");
        }

        services.AddPoolOperatorDataSource(connectionString);
        services.AddHealthChecks().AddPoolOperatorAgent(tags: [ReadyTag]);

        // The agent releases its grant while the host stops; give in-flight requests and the release the time
        // Kubernetes gives (terminationGracePeriodSeconds is 30 in examples/app).
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(25));
        return services;
    }

    /// <summary>GET /orders/count (one short query), /healthz (liveness: the process serves) and /readyz (readiness).</summary>
    public static WebApplication MapOrdersApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/orders/count", CountOrdersAsync);

        // Liveness runs no check: a pod waiting for its grant is alive, and restarting it would not help.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }

    /// <summary>
    /// A short query standing in for the service's work; it holds its connection a few milliseconds so that load
    /// keeps the pool busy. The orders table is not needed: generate_series plays it.
    /// </summary>
    private static async Task<IResult> CountOrdersAsync(DbDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM generate_series(1, 1000), pg_sleep(0.005)";
        var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok(new { orders = count });
    }
}

using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PoolOperator.ClientAgent;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PoolOperator client agent.</summary>
public static class ClientAgentServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="BudgetedDataSource"/> (also as <see cref="DbDataSource"/>) for
    /// <paramref name="connectionString"/> and the background service that keeps its limit at the pod's grant.
    /// Options come from the <c>PoolOperator:Agent</c> configuration section, then <paramref name="configure"/>,
    /// then the environment (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_UID</c>, <c>POOLOPERATOR_BUDGET</c>,
    /// <c>POOLOPERATOR_STATIC_LIMIT</c>) for what is still unset; they are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Sets options in code.</param>
    /// <param name="configureNpgsql">Configures the underlying Npgsql data source builder (type mappings and the like).</param>
    public static IServiceCollection AddPoolOperatorDataSource(
        this IServiceCollection services,
        string connectionString,
        Action<ClientAgentOptions>? configure = null,
        Action<NpgsqlDataSourceBuilder>? configureNpgsql = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);

        services.AddOptions<ClientAgentOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<ClientAgentOptions>>(provider => new ConfigureNamedOptions<ClientAgentOptions>(
            Options.Options.DefaultName,
            options => provider.GetService<IConfiguration>()?.GetSection(ClientAgentOptions.SectionName).Bind(options)));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.PostConfigure<ClientAgentOptions>(options => AgentEnvironment.Apply(options));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClientAgentOptions>, ClientAgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(provider =>
        {
            var builder = new BudgetedDataSourceBuilder(connectionString, provider.GetRequiredService<IOptions<ClientAgentOptions>>().Value)
            {
                LoggerFactory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                TimeProvider = provider.GetRequiredService<TimeProvider>(),
                MeterFactory = provider.GetService<IMeterFactory>(),
            };
            if (provider.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                builder.ConnectionBuilder.UseLoggerFactory(loggerFactory);
            }

            configureNpgsql?.Invoke(builder.ConnectionBuilder);
            return builder.Build();
        });
        services.AddSingleton<DbDataSource>(provider => provider.GetRequiredService<BudgetedDataSource>());
        services.AddHostedService<ClientAgentHostedService>();
        return services;
    }

    /// <summary>
    /// Adds the agent's health check (<see cref="ClientAgentHealthCheck"/>): unhealthy until the pod's first grant above 0
    /// is applied and while stopping (map it to the readiness probe, e.g. with a <c>ready</c> tag), degraded while opens
    /// time out at the gate or while the fallback limit is in force.
    /// </summary>
    public static IHealthChecksBuilder AddPoolOperatorAgent(this IHealthChecksBuilder builder, string name = "pooloperator-agent", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<ClientAgentHealthCheck>(name, failureStatus: null, tags: tags ?? []);
    }
}

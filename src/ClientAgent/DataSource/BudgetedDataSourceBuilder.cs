using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Builds a <see cref="BudgetedDataSource"/>: validates the options once, maps them onto Npgsql's pool settings
/// (Maximum Pool Size is the hard ceiling, Minimum Pool Size, Connection Idle Lifetime, Connection Lifetime) and
/// builds the one underlying Npgsql data source.
/// </summary>
/// <remarks>
/// Two Npgsql settings would let connections exist that the gate does not count, so they are settled here:
/// <c>Multiplexing=true</c> is refused (a multiplexed open takes no connector, so the gate would count nothing), and
/// <c>Enlist</c> is forced to false (with it, Npgsql parks a closed connection's connector for its
/// <c>TransactionScope</c> after the gate got the slot back: a limit of 2 gave 3 backends). With a pod name,
/// <c>Application Name</c> becomes the pod name, so the operator can count the pod's backends in <c>pg_stat_activity</c>.
/// </remarks>
public sealed class BudgetedDataSourceBuilder
{
    /// <summary>Starts a builder for <paramref name="connectionString"/>.</summary>
    public BudgetedDataSourceBuilder(string connectionString, ClientAgentOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ConnectionBuilder = new NpgsqlDataSourceBuilder(connectionString);
        Options = options ?? new ClientAgentOptions();
    }

    /// <summary>The Npgsql builder, for type mappings, logging and other Npgsql settings.</summary>
    public NpgsqlDataSourceBuilder ConnectionBuilder { get; }

    /// <summary>The agent's options.</summary>
    public ClientAgentOptions Options { get; }

    /// <summary>Where the agent logs.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>The clock for timeouts, polling and leak detection.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Creates the agent's meter; a meter of its own when unset.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Validates the options and builds the data source.</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; each message names the setting.</exception>
    public BudgetedDataSource Build()
    {
        var settings = ConnectionBuilder.ConnectionStringBuilder;
        var errors = ClientAgentOptionsValidator.Check(Options, requireLimitSource: false);
        if (settings.Multiplexing)
        {
            errors.Add(
                "The connection string sets Multiplexing=true: a multiplexed open takes no physical connection of its own, so the budget's gate " +
                "could not count the connections. Remove Multiplexing (the agent needs one connector per open).");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(ClientAgentOptions.SectionName, typeof(ClientAgentOptions), errors);
        }

        settings.MaxPoolSize = Options.MaxPoolSize;
        settings.Enlist = false;
        if (!string.IsNullOrEmpty(Options.PodName))
        {
            settings.ApplicationName = Options.PodName;
        }

        settings.MinPoolSize = Options.MinIdleConnections;
        if (Options.ConnectionIdleLifetime is { } idle)
        {
            settings.ConnectionIdleLifetime = (int)Math.Ceiling(idle.TotalSeconds);
        }

        if (Options.ConnectionLifetime is { } lifetime)
        {
            settings.ConnectionLifetime = (int)Math.Ceiling(lifetime.TotalSeconds);
        }

        var budgetName = Options.BudgetName ?? "static";
        var poolName = PoolNames.Take(Options.PoolName ?? ConnectionBuilder.Name ?? $"pooloperator/{budgetName}");
        try
        {
            ConnectionBuilder.Name = poolName.Name;
            var pool = ConnectionBuilder.Build();

            // With a static limit the gate opens at once; otherwise it stays shut until a grant (or the fallback) arrives.
            return new BudgetedDataSource(pool, poolName, Options, budgetName, Options.StaticLimit ?? 0, LoggerFactory, TimeProvider, MeterFactory);
        }
        catch
        {
            poolName.Dispose();
            throw;
        }
    }
}

using Microsoft.Extensions.Options;

namespace PoolOperator.ClientAgent.Tests.Configuration;

/// <summary>Bad settings fail once, at build or start, with errors that name the setting.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Build_rejects_invalid_options_naming_each_setting()
    {
        var options = new ClientAgentOptions { MaxPoolSize = 0, FallbackLimit = -1, AcquireTimeout = TimeSpan.Zero, LeakThreshold = TimeSpan.FromSeconds(-1) };

        var exception = Assert.Throws<OptionsValidationException>(() => new BudgetedDataSourceBuilder("Host=127.0.0.1", options).Build());

        Assert.Contains(exception.Failures, failure => failure.StartsWith("PoolOperator:Agent:MaxPoolSize", StringComparison.Ordinal));
        Assert.Contains(exception.Failures, failure => failure.StartsWith("PoolOperator:Agent:FallbackLimit", StringComparison.Ordinal));
        Assert.Contains(exception.Failures, failure => failure.StartsWith("PoolOperator:Agent:AcquireTimeout", StringComparison.Ordinal));
        Assert.Contains(exception.Failures, failure => failure.StartsWith("PoolOperator:Agent:LeakThreshold", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pool_options_map_onto_Npgsql_settings_and_the_ceiling_replaces_the_connection_strings()
    {
        var options = new ClientAgentOptions
        {
            StaticLimit = 3,
            MaxPoolSize = 40,
            MinIdleConnections = 2,
            ConnectionIdleLifetime = TimeSpan.FromSeconds(90),
            ConnectionLifetime = TimeSpan.FromMinutes(30),

            // A name no other test uses: pool names are unique per process, and tests run in parallel.
            BudgetName = "options-map",
        };
        await using var first = new BudgetedDataSourceBuilder("Host=127.0.0.1;Maximum Pool Size=7", options).Build();
        await using var second = new BudgetedDataSourceBuilder("Host=127.0.0.1", options).Build();

        var settings = new Npgsql.NpgsqlConnectionStringBuilder(first.ConnectionString);
        Assert.Equal(40, settings.MaxPoolSize);
        Assert.Equal(2, settings.MinPoolSize);
        Assert.Equal(90, settings.ConnectionIdleLifetime);
        Assert.Equal(1800, settings.ConnectionLifetime);
        Assert.Equal(3, first.Limit);
        Assert.Equal("pooloperator/options-map", first.PoolName);
        Assert.NotEqual(first.PoolName, second.PoolName);
    }

    [Fact]
    public void A_static_limit_above_the_ceiling_is_rejected_naming_the_environment_variable_too()
    {
        var result = new ClientAgentOptionsValidator().Validate(null, new ClientAgentOptions { StaticLimit = 500, MaxPoolSize = 100 });

        Assert.True(result.Failed);
        Assert.Contains("PoolOperator:Agent:StaticLimit (POOLOPERATOR_STATIC_LIMIT)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_static_limit_the_grant_identity_is_required()
    {
        var result = new ClientAgentOptionsValidator().Validate(null, new ClientAgentOptions { PodName = "api-0" });

        Assert.True(result.Failed);
        Assert.Contains("POOLOPERATOR_STATIC_LIMIT", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("PoolOperator:Agent:PodNamespace (POD_NAMESPACE)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("PoolOperator:Agent:BudgetName (POOLOPERATOR_BUDGET)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("PoolOperator:Agent:PodUid (POD_UID)", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("(POD_NAME)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_UID_that_is_not_a_UUID_is_rejected_naming_the_setting()
    {
        var result = new ClientAgentOptionsValidator().Validate(null, new ClientAgentOptions
        {
            PodName = "api-0", PodNamespace = "shop", BudgetName = "orders-db", PodUid = "api-0",
        });

        Assert.True(result.Failed);
        Assert.Contains("PoolOperator:Agent:PodUid (POD_UID)", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("'api-0'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_fail_closed_and_stop_within_a_pod_grace_period()
    {
        var options = new ClientAgentOptions();

        Assert.Equal(0, options.FallbackLimit);
        Assert.InRange(options.StopGracePeriod, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(29));
        Assert.Empty(ClientAgentOptionsValidator.Check(options, requireLimitSource: false));
    }

    [Fact]
    public async Task Enlist_is_forced_off_and_the_application_name_is_the_pod_name()
    {
        var options = new ClientAgentOptions { StaticLimit = 1, PodName = "api-7d9f-x2" };
        await using var dataSource = new BudgetedDataSourceBuilder("Host=127.0.0.1;Enlist=true;Application Name=mine", options).Build();

        var settings = new Npgsql.NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.False(settings.Enlist);
        Assert.Equal("api-7d9f-x2", settings.ApplicationName);
    }

    [Fact]
    public void The_environment_fills_unset_settings_and_leaves_set_ones()
    {
        var environment = new Dictionary<string, string?>
        {
            ["POD_NAME"] = "api-7d9f-x2",
            ["POD_NAMESPACE"] = "shop",
            ["POD_UID"] = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
            ["POOLOPERATOR_BUDGET"] = "orders-db",
            ["POOLOPERATOR_STATIC_LIMIT"] = "12",
        };
        var options = new ClientAgentOptions { BudgetName = "from-config" };

        AgentEnvironment.Apply(options, name => environment.GetValueOrDefault(name));

        Assert.Equal("api-7d9f-x2", options.PodName);
        Assert.Equal("shop", options.PodNamespace);
        Assert.Equal("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", options.PodUid);
        Assert.Equal("from-config", options.BudgetName);
        Assert.Equal(12, options.StaticLimit);
        Assert.Equal("shop/api-7d9f-x2.from-config", GrantIdentity.From(options)!.Display);
    }

    [Fact]
    public void A_static_limit_that_is_not_a_number_names_the_variable()
    {
        var exception = Assert.Throws<FormatException>(() =>
            AgentEnvironment.Apply(new ClientAgentOptions(), name => name == "POOLOPERATOR_STATIC_LIMIT" ? "ten" : null));

        Assert.Contains("POOLOPERATOR_STATIC_LIMIT='ten'", exception.Message, StringComparison.Ordinal);
    }
}

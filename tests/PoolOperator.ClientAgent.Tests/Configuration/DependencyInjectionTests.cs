using System.Data.Common;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PoolOperator.ClientAgent.Tests.Grants;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Configuration;

/// <summary>The three lines a service adds, in a real host.</summary>
[Collection(PostgresTests.Name)]
public sealed class DependencyInjectionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_static_limit_from_configuration_gates_the_registered_data_source()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PoolOperator:Agent:StaticLimit"] = "4",
            ["PoolOperator:Agent:AcquireTimeout"] = "00:00:20",
        });
        builder.Services.AddPoolOperatorDataSource(postgres.ConnectionString);
        builder.Services.AddHealthChecks().AddPoolOperatorAgent();
        using var host = builder.Build();
        await host.StartAsync();

        var dataSource = host.Services.GetRequiredService<BudgetedDataSource>();
        Assert.Same(dataSource, host.Services.GetRequiredService<DbDataSource>());
        Assert.Equal(4, dataSource.Limit);
        Assert.Equal(TimeSpan.FromSeconds(20), dataSource.Options.AcquireTimeout);
        await using (var command = host.Services.GetRequiredService<DbDataSource>().CreateCommand("SELECT 1"))
        {
            Assert.Equal(1, await command.ExecuteScalarAsync());
        }

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task Invalid_configuration_fails_the_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["PoolOperator:Agent:StaticLimit"] = "-3" });
        builder.Services.AddPoolOperatorDataSource(postgres.ConnectionString);
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PoolOperator:Agent:StaticLimit", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_grant_mode_the_hosted_agent_follows_the_pod_grant()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("web-0", limit: 9);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(cluster.CreateAgentClient());
        builder.Services.AddPoolOperatorDataSource(postgres.ConnectionString, options =>
        {
            options.PodName = "web-0";
            options.PodNamespace = LocalClusterHarness.Namespace;
            options.BudgetName = LocalClusterHarness.Budget;
        });
        using var host = builder.Build();
        await host.StartAsync();

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("web-0")).Status?.AppliedLimit == 9, "the hosted agent acknowledged");
        Assert.Equal(9, host.Services.GetRequiredService<BudgetedDataSource>().Limit);
        await host.StopAsync();
    }
}

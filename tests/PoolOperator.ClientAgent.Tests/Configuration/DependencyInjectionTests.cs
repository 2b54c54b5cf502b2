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
    public async Task In_grant_mode_the_hosted_agent_follows_the_pod_grant_is_ready_only_once_granted_and_releases_on_host_stop()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var podName = "web-" + Guid.NewGuid().ToString("N")[..8];
        var created = await cluster.CreateGrantAsync(podName, limit: 0);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(cluster.CreateAgentClient());

        // Registered first, like the web server: stopped after the application's services, it still drains work that opens connections.
        builder.Services.AddSingleton<DrainingService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<DrainingService>());
        builder.Services.AddPoolOperatorDataSource(postgres.ConnectionString, options =>
        {
            options.PodName = podName;
            options.PodUid = cluster.PodUid(podName);
            options.PodNamespace = LocalClusterHarness.Namespace;
            options.BudgetName = LocalClusterHarness.Budget;
        });
        builder.Services.AddHealthChecks().AddPoolOperatorAgent(tags: ["ready"]);
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await host.StartAsync();

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync(podName)).Status?.Phase == PoolOperator.Api.GrantPhases.Waiting, "Waiting on first sight");
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Status);

        var raised = await cluster.SetLimitAsync(podName, limit: 9);
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync(podName)).Status?.AppliedLimit == 9, "the hosted agent acknowledged");
        var dataSource = host.Services.GetRequiredService<BudgetedDataSource>();
        Assert.Equal(9, dataSource.Limit);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            Assert.Equal(1, await postgres.Server.CountBackendsAsync(podName));
        }

        await host.StopAsync();

        Assert.Equal(1, host.Services.GetRequiredService<DrainingService>().DrainedQueries);
        var released = await cluster.GetGrantAsync(podName);
        Assert.Equal(PoolOperator.Api.GrantPhases.Released, released.Status!.Phase);
        Assert.Equal(0, released.Status.AppliedLimit);
        Assert.Equal(raised.Metadata.Generation, released.Status.ObservedGeneration);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Status);
        Assert.True(created.Metadata.Generation < raised.Metadata.Generation);
    }

    /// <summary>Runs one query while the host stops, as in-flight requests do while the web server drains.</summary>
    private sealed class DrainingService(IServiceProvider services) : IHostedService
    {
        public int DrainedQueries { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            var dataSource = services.GetRequiredService<BudgetedDataSource>();
            await using var command = dataSource.CreateCommand("SELECT 1");
            DrainedQueries += Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

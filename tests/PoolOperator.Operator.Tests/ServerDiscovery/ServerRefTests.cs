using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.ServerDiscovery;
using PoolOperator.Testing;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.ServerDiscovery;

public sealed class ServerRefTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Reads_the_limits_and_subtracts_the_reserved_connections()
    {
        var limits = await ServerLimitsReader.ReadAsync(postgres.ConnectionString, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(postgres.Server.MaxConnections, limits.MaxConnections);
        Assert.Equal(postgres.Server.SuperuserReservedConnections, limits.SuperuserReservedConnections);
        Assert.True(limits.ServerVersion >= 100000);
        Assert.Equal(limits.MaxConnections - limits.SuperuserReservedConnections - limits.ReservedConnections, limits.UsableConnections);
    }

    [Fact]
    public async Task A_budget_with_server_ref_divides_what_the_server_allows()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateSecretAsync(cluster.Client, "orders-db-conn", postgres.ConnectionString);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        var expected = await ServerLimitsReader.ReadAsync(postgres.ConnectionString, TimeSpan.FromSeconds(5), CancellationToken.None);
        await cluster.CreateBudgetAsync(ServerBudget("orders-db", "orders-db-conn", reserved: 7));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.Ready, "True");
        Assert.Equal(expected.MaxConnections, budget.Status!.ServerMaxConnections);
        var available = expected.UsableConnections - 7;
        Assert.Equal(available, budget.Status.Available);
        Assert.Contains(budget.Status.Conditions!, c => c.Type == BudgetConditionTypes.ServerUnreachable && c.Status == "False" && c.Reason == "ServerRead");
        var grants = await cluster.GrantsAsync("orders-db");
        Assert.Equal(available, grants.Sum(g => g.Spec.Limit));
        Assert.True(grants.Max(g => g.Spec.Limit) - grants.Min(g => g.Spec.Limit) <= 1);
        Assert.Contains(await cluster.EventsAboutAsync("orders-db"), e => e.Reason == "ServerDiscovered");
    }

    [Fact]
    public async Task A_missing_secret_is_reported_and_retried_until_it_appears()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(ServerBudget("orders-db", "not-yet", reserved: 0));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.ServerUnreachable, "True", "SecretNotFound");
        Assert.Contains("not-yet", budget.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.ServerUnreachable).Message, StringComparison.Ordinal);
        Assert.Empty(await cluster.GrantsAsync("orders-db"));

        // Retried with a delay (no watch on Secrets): creating it is enough.
        await CreateSecretAsync(cluster.Client, "not-yet", postgres.ConnectionString);
        await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.ServerUnreachable, "False");
        await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.Ready, "True");
        Assert.Single(await cluster.EventsAboutAsync("orders-db"), e => e.Reason == BudgetConditionTypes.ServerUnreachable);
    }

    [Fact]
    public async Task An_unreachable_server_leaves_the_grants_as_they_are()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateSecretAsync(cluster.Client, "closed", $"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Timeout=2");
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(ServerBudget("orders-db", "closed", reserved: 0));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.ServerUnreachable, "True", "ConnectionFailed");
        Assert.Contains(budget.Status!.Conditions!, c => c.Type == BudgetConditionTypes.Ready && c.Status == "False" && c.Reason == BudgetConditionTypes.ServerUnreachable);
        Assert.Empty(await cluster.GrantsAsync("orders-db"));
        Assert.Null(op.Controller.Failure);
    }

    [Fact]
    public async Task Reserved_connections_beyond_what_the_server_allows_are_an_invalid_spec()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateSecretAsync(cluster.Client, "orders-db-conn", postgres.ConnectionString);
        await using var op = await cluster.StartOperatorAsync();

        await cluster.CreateBudgetAsync(ServerBudget("orders-db", "orders-db-conn", reserved: 5000));

        var budget = await cluster.WaitForConditionAsync("orders-db", BudgetConditionTypes.InvalidSpec, "True");
        Assert.Contains("spec.reservedConnections (5000)", budget.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.InvalidSpec).Message, StringComparison.Ordinal);
    }

    private static DatabaseBudget ServerBudget(string name, string secret, int reserved)
    {
        var budget = TestCluster.Budget(name, maxConnections: null, reserved, TestCluster.Workload("api"));
        budget.Spec.ServerRef = new ServerRef { SecretName = secret, Key = "connectionString" };
        return budget;
    }

    private static Task<V1Secret> CreateSecretAsync(IKubernetes client, string name, string connectionString) =>
        client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = name }, StringData = new Dictionary<string, string> { ["connectionString"] = connectionString } },
            TestCluster.Ns);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

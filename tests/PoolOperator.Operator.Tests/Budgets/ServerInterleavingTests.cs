using k8s;
using k8s.Models;
using Npgsql;
using PoolOperator.Api;
using PoolOperator.Testing;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Budgets;

/// <summary>
/// Regression tests for the interleavings of issue 10 that need the real PostgreSQL server (serverRef): a full
/// server (7) and a server that shows more than the holds allow (8, "the server is the judge").
/// </summary>
public sealed class ServerInterleavingTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string Budget = "orders-db";
    private const string Secret = "orders-db-conn";

    /// <summary>
    /// Issue 10 (7). The discovery connection gets 53300 exactly when the pods use every slot; v1 returned before
    /// planning, so a scale-up shrank no pod. Here the budget's role is at its CONNECTION LIMIT (the server answers
    /// 53300, as when it is full): the running pods are still shrunk for the new pod, the new pod's share is not
    /// raised while the server cannot be read, and it is once the server answers again.
    /// </summary>
    [Fact]
    public async Task A_full_server_still_shrinks_for_a_scale_up_and_raises_nothing_until_it_answers()
    {
        const string role = "full_server_app";
        await postgres.Server.ExecuteAsync($"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN CONNECTION LIMIT 2; GRANT pg_monitor TO {role}");
        var asRole = postgres.Server.CreateConnectionStringBuilder();
        asRole.Username = role;

        await using var cluster = await TestCluster.StartAsync(output);
        await CreateSecretAsync(cluster.Client, asRole.ConnectionString);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await using var recorder = await InvariantRecorder.StartAsync(cluster.Client, TestCluster.Ns, Budget, available: 20);
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(ServerBudget(maxConnections: 20));
        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10 }, "two pods share 20");

        // Every slot the role may use is taken: the operator's discovery connection is refused with 53300.
        var fillers = await OpenAsync(WithApplication(asRole, "filler"), 2);
        try
        {
            await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.ServerUnreachable, "True", "ConnectionFailed");

            await cluster.ScaleAsync("api", 3);
            await cluster.CreatePodAsync("api", "api-c");
            await Eventually.TrueAsync(
                async () => (await cluster.AcknowledgedLimitsAsync(Budget)) is { Count: 3 } l && l["api-a"] == 7 && l["api-b"] == 7,
                "the running pods are shrunk to 7 while the server is full");

            // The raise api-c waits for is withheld: the server is still unreadable after the shrinks landed.
            var grants = await cluster.GrantsAsync(Budget);
            Assert.Equal(0, grants.Single(g => g.Spec.PodName == "api-c").Spec.Limit);
            var budget = await cluster.GetBudgetAsync(Budget);
            Assert.Contains(budget.Status!.Conditions!, c => c.Type == BudgetConditionTypes.ServerUnreachable && c.Status == "True");
            Assert.Contains("shrinks go on, no raises", budget.Status.Conditions!.Single(c => c.Type == BudgetConditionTypes.ServerUnreachable).Message, StringComparison.Ordinal);
        }
        finally
        {
            await CloseAsync(fillers);
        }

        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.ServerUnreachable, "False");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 7, ["api-b"] = 7, ["api-c"] = 6 }, "api-c is raised once the server answers");
        recorder.AssertHeld();
        Assert.Null(op.Controller.Failure);
    }

    /// <summary>
    /// Issue 10 (8). v1 trusted the agents' acknowledgements only: backends a pod kept beyond its grant (a broken
    /// connector, a pod on a lost node) were invisible. Here the server shows more backends with api-a's
    /// application_name than api-a's grant holds: the budget reports Drifted (condition and event) and raises nothing
    /// while it lasts; once they close, the condition clears and the withheld raise is written.
    /// </summary>
    [Fact]
    public async Task Backends_beyond_a_pods_hold_are_reported_as_drift_and_stop_raises_until_they_close()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await CreateSecretAsync(cluster.Client, postgres.ConnectionString);
        await cluster.CreateDeploymentAsync("api", replicas: 2);
        await cluster.CreatePodAsync("api", "api-a");
        await cluster.CreatePodAsync("api", "api-b");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(ServerBudget(maxConnections: 20));
        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Ready, "True");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 10, ["api-b"] = 10 }, "two pods share 20");
        var before = await cluster.GetBudgetAsync(Budget);
        Assert.Contains(before.Status!.Conditions!, c => c.Type == BudgetConditionTypes.Drifted && c.Status == "False");

        // api-a's grant holds 10; the server shows 12 backends of api-a.
        var strays = await OpenAsync(WithApplication(postgres.Server.CreateConnectionStringBuilder(), "api-a"), 12);
        try
        {
            var drifted = await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Drifted, "True");
            Assert.Contains("pod api-a has 12 server connections, its grant allows 10", drifted.Status!.Conditions!.Single(c => c.Type == BudgetConditionTypes.Drifted).Message, StringComparison.Ordinal);
            await Eventually.TrueAsync(async () => (await cluster.EventsAboutAsync(Budget)).Any(e => e.Reason == BudgetConditionTypes.Drifted), "a Drifted event is posted");

            await cluster.ScaleAsync("api", 3);
            await cluster.CreatePodAsync("api", "api-c");
            await Eventually.TrueAsync(
                async () => (await cluster.AcknowledgedLimitsAsync(Budget)) is { Count: 3 } l && l["api-a"] == 7 && l["api-b"] == 7,
                "the running pods are shrunk to 7 while the server shows drift");

            // Shrinks went on; api-c's raise is withheld while the server still shows the strays.
            Assert.Equal(0, (await cluster.GrantsAsync(Budget)).Single(g => g.Spec.PodName == "api-c").Spec.Limit);
            Assert.Contains((await cluster.GetBudgetAsync(Budget)).Status!.Conditions!, c => c.Type == BudgetConditionTypes.Drifted && c.Status == "True");
        }
        finally
        {
            await CloseAsync(strays);
        }

        await cluster.WaitForConditionAsync(Budget, BudgetConditionTypes.Drifted, "False", "ServerAgrees");
        await cluster.WaitForLimitsAsync(Budget, new Dictionary<string, int> { ["api-a"] = 7, ["api-b"] = 7, ["api-c"] = 6 }, "raises resume once the server agrees");
        Assert.Null(op.Controller.Failure);
    }

    private static DatabaseBudget ServerBudget(int maxConnections)
    {
        var budget = TestCluster.Budget(Budget, maxConnections, reserved: 0, TestCluster.Workload("api"));
        budget.Spec.ServerRef = new ServerRef { SecretName = Secret, Key = "connectionString" };
        return budget;
    }

    private static Task<V1Secret> CreateSecretAsync(IKubernetes client, string connectionString) =>
        client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = Secret }, StringData = new Dictionary<string, string> { ["connectionString"] = connectionString } },
            TestCluster.Ns);

    private static string WithApplication(NpgsqlConnectionStringBuilder builder, string applicationName)
    {
        // Unpooled, so that closing a connection ends its backend at once.
        builder.ApplicationName = applicationName;
        builder.Pooling = false;
        return builder.ConnectionString;
    }

    private static async Task<List<NpgsqlConnection>> OpenAsync(string connectionString, int count)
    {
        var connections = new List<NpgsqlConnection>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                // The operator's own short discovery connection may take a slot for a moment: try again then.
                await Eventually.TrueAsync(
                    async () =>
                    {
                        var connection = new NpgsqlConnection(connectionString);
                        try
                        {
                            await connection.OpenAsync();
                        }
                        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.TooManyConnections)
                        {
                            await connection.DisposeAsync();
                            return false;
                        }

                        connections.Add(connection);
                        return true;
                    },
                    $"connection {i + 1} of {count} is open");
            }
        }
        catch
        {
            await CloseAsync(connections);
            throw;
        }

        return connections;
    }

    private static async Task CloseAsync(List<NpgsqlConnection> connections)
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }
}

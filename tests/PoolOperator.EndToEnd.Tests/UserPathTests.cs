using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.EndToEnd.Tests.Infrastructure;
using PoolOperator.LocalCluster;
using PoolOperator.LocalCluster.Security;
using PoolOperator.LocalCluster.Simulation;
using PoolOperator.Testing;
using Xunit.Abstractions;

namespace PoolOperator.EndToEnd.Tests;

/// <summary>
/// The install a user follows (README, "Without a cluster"), as a test. Real PostgreSQL; the local cluster with
/// authentication and RBAC, running the operator image and the example image as processes; `helm install` of the
/// chart, so the operator runs as the pods of the chart's own Deployment with its service account and RBAC;
/// `kubectl apply -f examples/app/` as it is. Then load on the example's pods over HTTP, `kubectl scale`, and HPA
/// steps. Throughout, the server may never show more sessions of the budget's role than the budget's `available`;
/// after each step every pod's grant is acknowledged; at the end what each identity called is compared with what
/// its Roles grant.
/// </summary>
public sealed class UserPathTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AppNamespace = "default";
    private const string AppSelector = "app.kubernetes.io/name=orders-api";
    private const string Budget = "orders-db";
    private const string DatabaseRole = "orders";
    private const string DatabasePassword = "orders-end-to-end";
    private const string OperatorNamespace = "pool-operator";
    private const string OrdersImage = "registry.example.com/orders-api:1.0.0";

    /// <summary>How long one step may take to settle on a loaded machine (a bound, not a measurement).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private PostgresServer _postgres = null!;
    private LocalKubernetesServer _cluster = null!;
    private string _directory = null!;
    private ClusterTools _tools = null!;

    public async Task InitializeAsync()
    {
        // max_connections above the budget's 100: the server must never refuse a session itself, so that a pod
        // holding more than its grant shows up in pg_stat_activity instead of as an error.
        _postgres = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 150 });
        await _postgres.ExecuteAsync($"CREATE ROLE {DatabaseRole} LOGIN PASSWORD '{DatabasePassword}'");

        var options = new LocalClusterOptions();
        options.ProcessImages[OperatorImage()] = BuiltPrograms.Command(BuiltPrograms.Operator);
        options.ProcessImages[OrdersImage] = BuiltPrograms.Command(BuiltPrograms.OrdersApi);
        _cluster = await LocalKubernetesServer.StartAsync(options);
        _directory = Directory.CreateTempSubdirectory("pooloperator-e2e-").FullName;
        _tools = new ClusterTools(_cluster.WriteKubeconfig(Path.Combine(_directory, "kubeconfig")), output);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_documented_install_divides_the_budget_among_the_pods_that_run_and_every_identity_calls_what_its_role_grants()
    {
        // The controllers' part (Deployments to ReplicaSets to pods); the server runs the pods of mapped images.
        await using var simulator = new WorkloadSimulator(
            _cluster.CreateClient(), new WorkloadSimulatorOptions { ProcessImages = _cluster.ProcessImages }, TimeProvider.System, NullLogger.Instance);
        simulator.Start();
        await using var sampler = ConnectionSampler.Start(_postgres.ConnectionString, DatabaseRole);

        // 1. The operator, from the chart, as the README installs it. On the local cluster every pod shares the
        //    host's network, so the operator listens on its pod IP (a real cluster needs no such value).
        await _tools.HelmAsync(
            "install", "pool-operator", RepositoryRoot.Of("charts", "pool-operator"),
            "--namespace", OperatorNamespace, "--create-namespace",
            "--set-json", """extraEnv=[{"name":"Operator__HttpAddress","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}]""");
        await _tools.KubectlAsync("-n", OperatorNamespace, "rollout", "status", "deployment/pool-operator", "--timeout=180s");

        // 2. The budget and the application, the files as they are.
        await _tools.KubectlAsync("apply", "-f", RepositoryRoot.Of("examples", "budget-basic.yaml"));
        await _tools.KubectlAsync("apply", "-n", AppNamespace, "-f", RepositoryRoot.Of("examples", "app"));

        // 3. What every user does next: point the Secret at their server (here the test's; the file's host is a
        //    placeholder) and restart the pods so they read it. Only the Secret changes.
        var connectionString = $"Host=127.0.0.1;Port={_postgres.Port};Database=postgres;Username={DatabaseRole};Password={DatabasePassword};Maximum Pool Size=100";
        await _tools.KubectlAsync(
            "patch", "secret", "orders-db", "-n", AppNamespace, "--type", "merge",
            "-p", $$$"""{"stringData":{"connectionString":"{{{connectionString}}}"}}""");
        await _tools.KubectlAsync("rollout", "restart", "deployment/orders-api", "-n", AppNamespace);
        await _tools.KubectlAsync("rollout", "status", "deployment/orders-api", "-n", AppNamespace, "--timeout=180s");

        await using var load = new OrdersLoad(workers: 24);
        var settled = await SettledAsync(3, load);
        Assert.All(settled.Grants, g => Assert.Equal(30, g.Limit));
        await ShowWhatAUserSeesAsync();
        await AssertServedByEveryPodAsync(load, settled);

        // 4. kubectl scale, as a person would.
        await _tools.KubectlAsync("scale", "deployment/orders-api", "-n", AppNamespace, "--replicas=5");
        settled = await SettledAsync(5, load);
        await AssertServedByEveryPodAsync(load, settled);

        // 5. HPA steps, written as the HPA controller writes them (its status, then the Deployment's scale).
        var hpa = new HpaDriver(_cluster.CreateClient(), AppNamespace, "orders-api", TimeProvider.System, NullLogger.Instance);
        await hpa.SetReplicasAsync(7, CancellationToken.None);
        settled = await SettledAsync(7, load);
        await AssertServedByEveryPodAsync(load, settled);
        await hpa.SetReplicasAsync(3, CancellationToken.None);
        settled = await SettledAsync(3, load);

        Assert.True(load.Served > 0, "no request was served");
        output.WriteLine($"load: {load.Served} requests served, {load.Failures} failed (pods stopping mid-request)");

        // The server is the judge: never more sessions of the budget's role than the budget has.
        Assert.True(sampler.Samples > 0, "pg_stat_activity was never sampled");
        Assert.True(
            sampler.Max <= settled.Available,
            $"pg_stat_activity showed {sampler.Max} sessions of role {DatabaseRole} at once; the budget has {settled.Available}");
        output.WriteLine($"pg_stat_activity: at most {sampler.Max} sessions of {DatabaseRole} in {sampler.Samples} samples (available {settled.Available})");

        await AssertWhatTheDocsShowAsync(settled);
        await AssertEachIdentityCalledExactlyWhatItsRoleGrantsAsync();
    }

    /// <summary>The operator image the chart deploys by default: its repository at the chart's appVersion.</summary>
    private static string OperatorImage()
    {
        var appVersion = File.ReadLines(RepositoryRoot.Of("charts", "pool-operator", "Chart.yaml"))
            .Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal))["appVersion:".Length..].Trim().Trim('"');
        return $"ghcr.io/pooloperator/pool-operator:{appVersion}";
    }

    /// <summary>Waits until the example's pods settle at <paramref name="replicas"/>; then the load goes to them.</summary>
    private async Task<BudgetObservation> SettledAsync(int replicas, OrdersLoad load)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var observation = await BudgetObservation.ReadAsync(_tools, AppNamespace, AppSelector, Budget);
            load.SetTargets(observation.Pods.Where(p => p.Ready && p.Ip is not null).Select(p => p.Ip!));
            if (observation.IsSettled(replicas))
            {
                output.WriteLine($"settled at {replicas} replicas: {observation}");
                return observation;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not settled at {replicas} replicas within {Patience}: {observation}\n{await DiagnosticsAsync()}");
            await Task.Delay(500);
        }
    }

    /// <summary>Every settled pod answers requests: its pool works at the limit its grant gives.</summary>
    private async Task AssertServedByEveryPodAsync(OrdersLoad load, BudgetObservation settled)
    {
        var deadline = DateTime.UtcNow + Patience;
        foreach (var pod in settled.Pods)
        {
            var before = load.ServedBy(pod.Ip!);
            while (load.ServedBy(pod.Ip!) <= before)
            {
                Assert.True(DateTime.UtcNow < deadline, $"pod {pod.Name} ({pod.Ip}) served no request\n{await DiagnosticsAsync()}");
                await Task.Delay(200);
            }
        }
    }

    private async Task ShowWhatAUserSeesAsync()
    {
        _tools.Show("kubectl get dbb", await _tools.KubectlAsync("get", "dbb", "-n", AppNamespace));
        _tools.Show("kubectl get connectiongrants", await _tools.KubectlAsync("get", "connectiongrants", "-n", AppNamespace));
        _tools.Show("kubectl get pods", await _tools.KubectlAsync("get", "pods", "-n", AppNamespace, "-o", "wide"));
    }

    /// <summary>The columns, conditions and events docs/operator.md describes, in kubectl's own output.</summary>
    private async Task AssertWhatTheDocsShowAsync(BudgetObservation settled)
    {
        // kubectl get dbb: NAME AVAILABLE PODS PER-REPLICA READY AGE
        var budgets = await _tools.KubectlAsync("get", "dbb", "-n", AppNamespace);
        var row = Assert.Single(budgets.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([Budget, "90", "3", "30", "True"], row[..5]);

        // kubectl get connectiongrants: NAME POD BUDGET LIMIT APPLIED PHASE IN-USE AGE, one Active row per pod.
        var grants = (await _tools.KubectlAsync("get", "connectiongrants", "-n", AppNamespace)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "POD", "BUDGET", "LIMIT", "APPLIED", "PHASE", "IN-USE", "AGE"], grants[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            settled.Pods.Select(p => $"{p.Name}.{Budget} {p.Name} {Budget} 30 30 Active").Order(StringComparer.Ordinal),
            grants.Skip(1).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..6])).Order(StringComparer.Ordinal));

        var described = await _tools.KubectlAsync("describe", "dbb", Budget, "-n", AppNamespace);
        _tools.Show("kubectl describe dbb orders-db", described);
        Assert.Matches(@"Type:\s+Ready", described);
        Assert.Matches(@"Reason:\s+Settled", described);
        Assert.Contains("Rebalanced", described, StringComparison.Ordinal);

        var events = await _tools.KubectlAsync("get", "events", "-n", AppNamespace);
        _tools.Show("kubectl get events", events);
        Assert.Contains(events.Split('\n'), l => l.Contains("Rebalancing", StringComparison.Ordinal) && l.Contains($"databasebudget/{Budget}", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(events.Split('\n'), l => l.Contains("Rebalanced", StringComparison.Ordinal) && l.Contains($"databasebudget/{Budget}", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// What the operator's and the agents' service accounts called (the server's audit) against what the Roles
    /// stored in the cluster grant them: a refused call is a missing permission, a permission no call used is an
    /// excess one. Both fail.
    /// </summary>
    private async Task AssertEachIdentityCalledExactlyWhatItsRoleGrantsAsync()
    {
        using var admin = _cluster.CreateClient();
        var failures = new List<string>();
        foreach (var (ns, account) in new[] { (OperatorNamespace, "pool-operator"), (AppNamespace, "orders-api") })
        {
            var granted = await GrantedPermissions.OfServiceAccountAsync(admin, ns, account);
            var use = PermissionUse.Compare(_cluster.Audit.EntriesOf(UserInfo.ServiceAccountUserName(ns, account)), granted);
            var report = use.Describe($"system:serviceaccount:{ns}:{account}");
            output.WriteLine(report);
            Assert.NotEmpty(use.Calls);
            if (use.Refused.Count > 0 || use.Unused.Count > 0)
            {
                failures.Add(report);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<string> DiagnosticsAsync()
    {
        var pods = await _tools.TryKubectlAsync("get", "pods", "-A", "-o", "wide");
        var grants = await _tools.TryKubectlAsync("get", "connectiongrants", "-A");
        var operatorLogs = await _tools.TryKubectlAsync("logs", "-n", OperatorNamespace, "-l", "app.kubernetes.io/name=pool-operator", "--tail=40", "--prefix");
        var appLogs = await _tools.TryKubectlAsync("logs", "-n", AppNamespace, "-l", AppSelector, "--tail=20", "--prefix");
        return $"--- pods\n{pods.Output}{pods.Error}\n--- grants\n{grants.Output}{grants.Error}\n--- operator logs\n{operatorLogs.Output}{operatorLogs.Error}\n--- app logs\n{appLogs.Output}{appLogs.Error}";
    }
}

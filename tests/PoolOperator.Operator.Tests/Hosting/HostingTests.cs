using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PoolOperator.Operator.Hosting;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Hosting;

public sealed class HostingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Serves_health_readiness_and_prometheus_metrics()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var agents = await GrantAgents.StartAsync(cluster.Client, TestCluster.Ns);
        await using var op = await cluster.StartOperatorAsync();
        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await cluster.WaitForConditionAsync("orders-db", Api.BudgetConditionTypes.Ready, "True");

        using var http = new HttpClient { BaseAddress = op.HttpAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "ready once the caches synced");

        (string, string)[] budget = [("namespace", "default"), ("budget", "orders-db")];
        var metrics = await Eventually.ValueAsync(
            () => http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => PrometheusText.Value(text, "pooloperator_budget_applied_connections", budget) == 90,
            "the applied gauge reaches 90");
        Assert.Contains("# TYPE pooloperator_reconciles_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE pooloperator_reconcile_errors_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE pooloperator_reconcile_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.True(PrometheusText.Value(metrics, "pooloperator_reconcile_duration_seconds_bucket", ("le", "+Inf")) >= 1, metrics);
        Assert.NotNull(PrometheusText.Value(metrics, "pooloperator_workqueue_depth"));
        Assert.Equal(90, PrometheusText.Value(metrics, "pooloperator_budget_available_connections", budget));
        Assert.Equal(90, PrometheusText.Value(metrics, "pooloperator_budget_granted_connections", budget));
        // Protocol v2 settles a new pod in rounds (grant at 0, the agent's Waiting, the raise, its acknowledgement), and
        // the budget may be Ready between them: each Ready after Progressing is one observation.
        Assert.True(PrometheusText.Value(metrics, "pooloperator_scale_to_acknowledged_seconds_count", budget) >= 1, metrics);
        Assert.Equal(1, PrometheusText.Value(metrics, "pooloperator_grant_writes_total", ("operation", "create")));
        Assert.Equal(1, PrometheusText.Value(metrics, "pooloperator_leader"));
        Assert.True(PrometheusText.Value(metrics, "pooloperator_api_requests_total", ("method", "GET")) >= 6, "lists and watches of six kinds are counted");
        Assert.True(PrometheusText.Value(metrics, "dotnet_gc_last_collection_heap_size_bytes") > 0 || metrics.Contains("dotnet_process_memory_working_set_bytes", StringComparison.Ordinal), "the runtime's memory is exported");
    }

    [Fact]
    public async Task Metrics_of_another_operator_in_the_same_process_stay_out_of_this_ones_scrape()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        await using var op = await cluster.StartOperatorAsync();
        using var http = new HttpClient { BaseAddress = op.HttpAddress };
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "ready once the caches synced");

        // Another host's instruments: the same meter name, created by another IMeterFactory.
        using var otherHost = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var other = new PoolOperator.Operator.Hosting.Metrics.OperatorMetrics(otherHost.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        for (var i = 0; i < 5; i++)
        {
            other.GrantWritten("create");
        }

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("# TYPE pooloperator_reconcile_errors_total counter", metrics, StringComparison.Ordinal);
        Assert.Null(PrometheusText.Value(metrics, "pooloperator_grant_writes_total", ("operation", "create")));
        Assert.Equal(0, op.Metrics.GrantWrites("create"));
    }

    [Fact]
    public async Task Invalid_options_stop_the_start_with_errors_naming_the_settings()
    {
        await using var cluster = await TestCluster.StartAsync(output);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => cluster.StartOperatorAsync(settings: new Dictionary<string, string?>
        {
            ["Operator:HttpPort"] = "70000",
            ["Operator:WatchNamespaces:0"] = "Not_A_Namespace",
            ["Operator:LeaderElection:Enabled"] = "true",
            ["Operator:LeaderElection:LeaseDuration"] = "00:00:05",
            ["Operator:LeaderElection:RenewDeadline"] = "00:00:10",
        }));

        Assert.Contains(ex.Failures, f => f.StartsWith("Operator:HttpPort", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Operator:WatchNamespaces:0", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Operator:LeaderElection:LeaseDuration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Operator:ApiQps", "0")]
    [InlineData("Operator:ApiQps", "NaN")]
    [InlineData("Operator:ApiBurst", "0")]
    public void Rate_limit_options_out_of_range_are_named(string setting, string value)
    {
        var options = new OperatorOptions();
        if (setting.EndsWith("Qps", StringComparison.Ordinal))
        {
            options.ApiQps = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            options.ApiBurst = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        var result = new OperatorOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_rate_limit_option_stops_the_start_naming_the_setting()
    {
        await using var cluster = await TestCluster.StartAsync(output);

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => cluster.StartOperatorAsync(settings: new Dictionary<string, string?> { ["Operator:ApiQps"] = "fast" }));

        Assert.Contains("Operator:ApiQps", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_validator_accepts_the_defaults()
    {
        var result = new OperatorOptionsValidator().Validate(null, new OperatorOptions());
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task Watching_one_namespace_ignores_budgets_elsewhere()
    {
        await using var cluster = await TestCluster.StartAsync(output, o => o.InitialNamespaces.Add("other"));
        await cluster.CreateDeploymentAsync("api", replicas: 1);
        await cluster.CreatePodAsync("api", "api-a");
        await using var op = await cluster.StartOperatorAsync(settings: new Dictionary<string, string?> { ["Operator:WatchNamespaces:0"] = "other" });

        await cluster.CreateBudgetAsync(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api")));
        await Eventually.TrueAsync(() => op.Controller.CachesSynced, "the caches sync");
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Null((await cluster.GetBudgetAsync("orders-db")).Status);
        Assert.Empty(await cluster.GrantsAsync("orders-db"));
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.LocalCluster;
using PoolOperator.LocalCluster.Simulation;
using PoolOperator.ScaleBench;

// The scale benchmark (docs/benchmarks.md, "Scale"): fills an in-process local cluster with N pods
// and M budgets, runs the operator as a separate process against it, and prints one table row per
// size. Exit code 2 on bad arguments.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("scale-bench: " + ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var root = PoolOperator.Testing.RepositoryRoot.Path;
var dll = Path.GetFullPath(Path.Combine(root, options.OperatorDll));
var results = new List<RowResult>();
foreach (var row in options.Rows)
{
    Console.WriteLine($"== {row} (pods / budgets), {ClusterFill.Namespaces(row, options)} namespaces, {row.ReplicasPerWorkload} replicas per workload");
    results.Add(await RowRun.RunAsync(row, options, dll));
    Console.WriteLine(RowResult.Table(results));
}

var table = RowResult.Table(results) + RowResult.Growth(results);
Console.WriteLine(table);
if (options.TablePath is { } path)
{
    await File.WriteAllTextAsync(path, table);
}

return 0;

/// <summary>The figures of one row.</summary>
internal sealed record RowResult(
    Row Row,
    TimeSpan PodsRunning,
    double FillWritesPerSecond,
    TimeSpan AllReady,
    long OperatorPeakRss,
    long OperatorPeakPrivate,
    long OperatorPeakGcHeap,
    double StartRequestsPerReconcile,
    double StepRequestsPerReconcile,
    TimeSpan StepMedian,
    TimeSpan StepP99,
    int StepsMeasured,
    long ClusterRss,
    long ClusterGcHeap,
    double ReadyWritesPerSecond,
    TimeSpan RestartReconciled,
    long RestartGrantWrites)
{
    private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N0", CultureInfo.InvariantCulture) + " MB";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static string S(TimeSpan t) => t.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture) + " s";

    public static string Table(IEnumerable<RowResult> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| pods / budgets | operator peak RSS | of which not file-backed | operator peak GC heap | start -> all Ready | restart -> all reconciled (grant writes) | step -> grants written (median / p99, n) | API requests per reconcile (start / steps) | local cluster RSS / GC heap | local cluster writes/s (fill / start) | pods Running after fill |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---|---|---|---|---:|");
        foreach (var r in rows)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Row} | {Mb(r.OperatorPeakRss)} | {Mb(r.OperatorPeakPrivate)} | {Mb(r.OperatorPeakGcHeap)} | {S(r.AllReady)} | {S(r.RestartReconciled)} ({r.RestartGrantWrites}) | {Ms(r.StepMedian)} / {Ms(r.StepP99)} ({r.StepsMeasured}) | {r.StartRequestsPerReconcile:N2} / {r.StepRequestsPerReconcile:N2} | {Mb(r.ClusterRss)} / {Mb(r.ClusterGcHeap)} | {r.FillWritesPerSecond:N0} / {r.ReadyWritesPerSecond:N0} | {S(r.PodsRunning)} |"));
        }

        return text.ToString();
    }

    /// <summary>How each figure grew from the first row to the last, against how N grew.</summary>
    public static string Growth(IReadOnlyList<RowResult> rows)
    {
        if (rows.Count < 2)
        {
            return "";
        }

        var (a, b) = (rows[0], rows[^1]);
        static string X(double from, double to) => from <= 0 ? "n/a" : (to / from).ToString("N1", CultureInfo.InvariantCulture) + "x";
        return string.Create(CultureInfo.InvariantCulture,
            $"\nGrowth from {a.Row} to {b.Row} (N x{(double)b.Row.Pods / a.Row.Pods:N0}): operator RSS {X(a.OperatorPeakRss, b.OperatorPeakRss)}, not file-backed {X(a.OperatorPeakPrivate, b.OperatorPeakPrivate)}, GC heap {X(a.OperatorPeakGcHeap, b.OperatorPeakGcHeap)}, "
            + $"start -> all Ready {X(a.AllReady.TotalMilliseconds, b.AllReady.TotalMilliseconds)}, restart -> all reconciled {X(a.RestartReconciled.TotalMilliseconds, b.RestartReconciled.TotalMilliseconds)}, step p99 {X(a.StepP99.TotalMilliseconds, b.StepP99.TotalMilliseconds)}, "
            + $"local cluster RSS {X(a.ClusterRss, b.ClusterRss)}, pods Running after fill {X(a.PodsRunning.TotalMilliseconds, b.PodsRunning.TotalMilliseconds)}.\n");
    }
}

/// <summary>One row: a fresh local cluster, the fill, the operator's cold start, the steps.</summary>
internal static class RowRun
{
    public static async Task<RowResult> RunAsync(Row row, BenchOptions options, string dll)
    {
        using var cancel = new CancellationTokenSource();
        var ct = cancel.Token;
        var clusterOptions = new LocalClusterOptions { WatchHistoryLimit = 10_000 };
        clusterOptions.ManifestPaths.Add(PoolOperator.Testing.RepositoryRoot.Crds);
        await using var server = await LocalKubernetesServer.StartAsync(clusterOptions, ct);
        // A loaded machine makes a list of 10,000 pods slow: longer than the client's 100 s default.
        var configuration = server.CreateClientConfiguration();
        configuration.HttpClientTimeout = TimeSpan.FromMinutes(10);
        IKubernetes client = new Kubernetes(configuration);
        // Its warnings (a failed round, a failed workload) show on the console: a stalled fill says why.
        using var logs = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
        var simulatorLogs = logs.CreateLogger("simulator");
        await using var simulator = new WorkloadSimulator(new Kubernetes(configuration), new WorkloadSimulatorOptions
        {
            PendingDuration = TimeSpan.FromMilliseconds(200),
            TerminationGracePeriod = TimeSpan.FromMilliseconds(500),

            // Its watches wake it on every change; the safety-net relist of every pod each 5 s
            // would cost the cluster it shares a process with a full list of N pods.
            ResyncPeriod = TimeSpan.FromSeconds(60),
        }, TimeProvider.System, simulatorLogs);
        simulator.Start();

        // The fill: workloads, then the simulator makes the pods and runs them.
        var rv0 = await ResourceVersionAsync(client, ct);
        var fill = Stopwatch.StartNew();
        await ClusterFill.CreateWorkloadsAsync(client, row, options, ct);
        var podsRunning = await ClusterFill.WaitForRunningPodsAsync(client, row.Budgets * row.ReplicasPerWorkload, options.Patience, ct);
        var fillWrites = (await ResourceVersionAsync(client, ct) - rv0) / fill.Elapsed.TotalSeconds;
        Console.WriteLine($"   {row.Budgets * row.ReplicasPerWorkload} pods Running after {podsRunning.TotalSeconds:N1} s ({fillWrites:N0} writes/s)");

        await using var agents = new AgentsAndClock(client);
        await ClusterFill.CreateBudgetsAsync(client, row, options, ct);
        GC.Collect();
        var clusterRss = OperatorProcess.ProcStatus(Environment.ProcessId, "VmRSS:");
        var clusterHeap = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"   local cluster after the fill: RSS {clusterRss / 1024 / 1024} MiB, GC heap {clusterHeap / 1024 / 1024} MiB");

        // The operator's cold start: every budget Ready (all grants written and acknowledged).
        var kubeconfig = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"scale-bench-{Environment.ProcessId}", "kubeconfig"));
        var rv1 = await ResourceVersionAsync(client, ct);
        var started = Stopwatch.StartNew();
        await using var op = OperatorProcess.Start(dll, kubeconfig, Path.Combine(Path.GetTempPath(), $"scale-bench-operator-{row.Pods}.log"), options.OperatorEnvironment);
        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(op, sampling.Token);
        var allReady = await WaitForAllReadyAsync(client, row.Budgets, row.ReplicasPerWorkload, started, options.Patience, ct);
        var readyWrites = (await ResourceVersionAsync(client, ct) - rv1) / started.Elapsed.TotalSeconds;
        Console.WriteLine($"   every budget Ready {allReady.TotalSeconds:N1} s after the operator started ({agents.Acknowledgements} acknowledgements)");
        var atReady = await op.ScrapeAsync();

        // Scale steps: one workload one replica up, timed from its new pod's ADDED to that pod's
        // grant's ADDED (both seen by this process's watches), then back down.
        var steps = new List<TimeSpan>();
        for (var i = 0; i < options.Steps; i++)
        {
            var (ns, name) = ClusterFill.WorkloadAt(row, options, (i * 37) % row.Budgets);
            var before = agents.PodSeen.Keys.Where(k => k.StartsWith(ns + "/" + name + "-", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
            await ScaleAsync(client, ns, name, row.ReplicasPerWorkload + 1, ct);
            var step = Stopwatch.StartNew();
            string? added = null;
            while (step.Elapsed < options.Patience)
            {
                added ??= agents.PodSeen.Keys.FirstOrDefault(k => k.StartsWith(ns + "/" + name + "-", StringComparison.Ordinal) && !before.Contains(k));
                if (added is not null && agents.GrantSeen.TryGetValue(added, out var grantAt))
                {
                    steps.Add(grantAt - agents.PodSeen[added]);
                    break;
                }

                await Task.Delay(5, ct);
            }

            await ScaleAsync(client, ns, name, row.ReplicasPerWorkload, ct);
            await WaitForReadyAsync(client, ns, name, row.ReplicasPerWorkload, options.Patience, ct);
        }

        var afterSteps = await op.ScrapeAsync();
        await sampling.CancelAsync();
        await sampler;
        var peakRss = op.PeakRss();
        var peakPrivate = op.PeakPrivate;
        var peakHeap = op.PeakGcHeap;
        await op.DisposeAsync();

        // A restart (an upgrade, a rescheduled pod): the grants exist, so the new process only has
        // to list, reconcile every budget and find nothing to write.
        var restarted = Stopwatch.StartNew();
        await using var second = OperatorProcess.Start(dll, kubeconfig, Path.Combine(Path.GetTempPath(), $"scale-bench-operator-{row.Pods}-restart.log"), options.OperatorEnvironment);
        var (restartReconciled, restartWrites) = await WaitForAllReconciledAsync(second, row.Budgets, restarted, options.Patience, ct);
        Console.WriteLine($"   restart: every budget reconciled {restartReconciled.TotalSeconds:N1} s after the second operator started, {restartWrites} writes");
        steps.Sort();
        static double PerReconcile(Dictionary<string, double> from, Dictionary<string, double> to)
        {
            var reconciles = to.GetValueOrDefault("pooloperator_reconciles_total") - from.GetValueOrDefault("pooloperator_reconciles_total");
            var requests = to.GetValueOrDefault("pooloperator_api_requests_total") - from.GetValueOrDefault("pooloperator_api_requests_total");
            return reconciles <= 0 ? 0 : requests / reconciles;
        }

        return new RowResult(
            row,
            podsRunning,
            fillWrites,
            allReady,
            peakRss,
            peakPrivate,
            peakHeap,
            PerReconcile([], atReady),
            PerReconcile(atReady, afterSteps),
            steps.Count == 0 ? TimeSpan.Zero : steps[steps.Count / 2],
            steps.Count == 0 ? TimeSpan.Zero : steps[Math.Min(steps.Count - 1, (int)Math.Ceiling(steps.Count * 0.99) - 1)],
            steps.Count,
            clusterRss,
            clusterHeap,
            readyWrites,
            restartReconciled,
            restartWrites);
    }

    /// <summary>Waits until the operator has reconciled every budget once with its queue empty; returns the time and its writes.</summary>
    private static async Task<(TimeSpan Elapsed, long Writes)> WaitForAllReconciledAsync(OperatorProcess op, int budgets, Stopwatch started, TimeSpan patience, CancellationToken ct)
    {
        while (started.Elapsed < patience)
        {
            var samples = await op.ScrapeAsync();
            if (samples.GetValueOrDefault("pooloperator_reconciles_total") >= budgets && samples.TryGetValue("pooloperator_workqueue_depth", out var depth) && depth == 0)
            {
                return (started.Elapsed, (long)samples.GetValueOrDefault("pooloperator_grant_writes_total"));
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"the restarted operator did not reconcile {budgets} budgets within {patience}");
    }

    /// <summary>Scrapes the operator every half second so that its peak GC heap is seen.</summary>
    private static async Task SampleAsync(OperatorProcess op, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await op.ScrapeAsync();
            try
            {
                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The cluster's newest resourceVersion (the local cluster counts every write in it).</summary>
    private static async Task<long> ResourceVersionAsync(IKubernetes client, CancellationToken ct) =>
        long.Parse((await client.CoreV1.ListNamespaceAsync(limit: 1, cancellationToken: ct)).Metadata.ResourceVersion, CultureInfo.InvariantCulture);

    /// <summary>Waits until every budget is Ready with a target for each of its pods (Ready over 0 pods is not done).</summary>
    private static async Task<TimeSpan> WaitForAllReadyAsync(IKubernetes client, int budgets, int podsPerBudget, Stopwatch started, TimeSpan patience, CancellationToken ct)
    {
        while (true)
        {
            var list = await client.CustomObjects.ListCustomObjectForAllNamespacesAsync<DatabaseBudgetList>(ApiGroup.Group, ApiGroup.Version, ApiGroup.BudgetPlural, cancellationToken: ct);
            var ready = list.Items.Count(b => IsReady(b) && b.Status?.Pods == podsPerBudget);
            if (ready >= budgets)
            {
                return started.Elapsed;
            }

            if (started.Elapsed > patience)
            {
                throw new TimeoutException($"only {ready} of {budgets} budgets were Ready after {patience}");
            }

            await Task.Delay(100, ct);
        }
    }

    private static async Task WaitForReadyAsync(IKubernetes client, string ns, string name, int pods, TimeSpan patience, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < patience)
        {
            var budget = await client.CustomObjects.GetNamespacedCustomObjectAsync<DatabaseBudget>(ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.BudgetPlural, name, cancellationToken: ct);
            if (IsReady(budget) && budget.Status?.Pods == pods)
            {
                return;
            }

            await Task.Delay(50, ct);
        }
    }

    private static bool IsReady(DatabaseBudget budget) =>
        budget.Status?.Conditions?.Any(c => c.Type == BudgetConditionTypes.Ready && c.Status == "True") == true;

    private static Task<k8s.Models.V1Deployment> ScaleAsync(IKubernetes client, string ns, string name, int replicas, CancellationToken ct) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(new k8s.Models.V1Patch(new { spec = new { replicas } }, k8s.Models.V1Patch.PatchType.MergePatch), name, ns, cancellationToken: ct);
}

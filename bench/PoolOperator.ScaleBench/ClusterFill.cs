using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.ScaleBench;

/// <summary>
/// Fills the local cluster as a real one would look: namespaces, one Deployment per budget whose
/// pod template weighs what a real pod does (about 8 KB of JSON with env, annotations and status),
/// the simulator's pods, and the budgets.
/// </summary>
internal static class ClusterFill
{
    public static string Namespace(int index) => "team-" + index.ToString("D3", CultureInfo.InvariantCulture);

    public static string Workload(int index) => "app-" + index.ToString("D4", CultureInfo.InvariantCulture);

    public static int Namespaces(Row row, BenchOptions options) => Math.Max(1, (row.Budgets + options.BudgetsPerNamespace - 1) / options.BudgetsPerNamespace);

    public static (string Namespace, string Name) WorkloadAt(Row row, BenchOptions options, int index) =>
        (Namespace(index % Namespaces(row, options)), Workload(index));

    public static async Task CreateWorkloadsAsync(IKubernetes client, Row row, BenchOptions options, CancellationToken cancellationToken)
    {
        for (var n = 0; n < Namespaces(row, options); n++)
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace(n) } }, cancellationToken: cancellationToken);
        }

        await ForEachAsync(row.Budgets, async i =>
        {
            var (ns, name) = WorkloadAt(row, options, i);
            await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(name, row.ReplicasPerWorkload), ns, cancellationToken: cancellationToken);
        });
    }

    public static Task CreateBudgetsAsync(IKubernetes client, Row row, BenchOptions options, CancellationToken cancellationToken) =>
        ForEachAsync(row.Budgets, async i =>
        {
            var (ns, name) = WorkloadAt(row, options, i);
            var budget = new DatabaseBudget
            {
                ApiVersion = ApiGroup.ApiVersion,
                Kind = DatabaseBudget.KubeKind,
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new DatabaseBudgetSpec
                {
                    MaxConnections = (row.ReplicasPerWorkload * 10) + 10,
                    ReservedConnections = 10,
                    Workloads = [new BudgetWorkload { Kind = WorkloadKinds.Deployment, Name = name }],
                },
            };
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(budget, ApiGroup.Group, ApiGroup.Version, ns, ApiGroup.BudgetPlural, cancellationToken: cancellationToken);
        });

    /// <summary>Waits until the simulator has every pod Running; returns how long it took.</summary>
    public static async Task<TimeSpan> WaitForRunningPodsAsync(IKubernetes client, int expected, TimeSpan patience, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var running = 0;
            string? next = null;
            do
            {
                var page = await client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, limit: 2000, fieldSelector: "status.phase=Running", cancellationToken: cancellationToken);
                running += page.Items.Count;
                next = page.Metadata.ContinueProperty;
            }
            while (!string.IsNullOrEmpty(next));

            if (running >= expected)
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed > patience)
            {
                throw new TimeoutException($"only {running} of {expected} pods were Running after {patience}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>A Deployment whose pods carry what real pods carry: many env entries, annotations, resources, probes.</summary>
    private static V1Deployment Deployment(string name, int replicas)
    {
        var labels = new Dictionary<string, string> { ["app"] = name, ["app.kubernetes.io/part-of"] = "scale-bench" };
        var env = Enumerable.Range(0, 48).Select(i => new V1EnvVar
        {
            Name = string.Create(CultureInfo.InvariantCulture, $"SETTING_{i:D2}_{name.ToUpperInvariant().Replace('-', '_')}"),
            Value = new string((char)('a' + (i % 26)), 90),
        }).ToList();
        var annotations = Enumerable.Range(0, 8).ToDictionary(
            i => string.Create(CultureInfo.InvariantCulture, $"example.com/annotation-{i}"),
            i => new string('x', 120));
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels, Annotations = annotations },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "app",
                                Image = "registry.example.com/orders-api:1.42.0",
                                Env = env,
                                Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }],
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") },
                                },
                                ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ready", Port = 8080 } },
                                LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = 8080 } },
                            },
                        ],
                    },
                },
            },
        };
    }

    /// <summary>Runs <paramref name="count"/> calls, 16 at a time (a client's worth of parallel writes).</summary>
    private static Task ForEachAsync(int count, Func<int, Task> body) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) => await body(i));
}

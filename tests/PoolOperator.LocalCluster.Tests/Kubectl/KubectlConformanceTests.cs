using System.Text;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Kubectl;

/// <summary>The real kubectl v1.35 against the local cluster: what a person does with the project's CRDs and examples.</summary>
public sealed class KubectlConformanceTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "poolop-kubectl-" + Guid.NewGuid().ToString("N"));
    private LocalKubernetesServer? _server;
    private KubectlRunner? _kubectl;

    private KubectlRunner Kubectl => _kubectl!;

    public async Task InitializeAsync()
    {
        if (KubectlRunner.Locate() is null)
        {
            return;
        }

        // No CRDs preloaded: kubectl installs them, as a user would.
        _server = await LocalKubernetesServer.StartAsync();
        _kubectl = new KubectlRunner(_server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig")));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [KubectlFact]
    public async Task Apply_installs_the_CRDs_and_the_examples_and_get_shows_them()
    {
        var crds = await Kubectl.OkAsync("apply", "-f", RepoPaths.Crds);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/databasebudgets.pooloperator.io created", crds, StringComparison.Ordinal);

        var examples = await Kubectl.OkAsync("apply", "-f", RepoPaths.Examples);
        Assert.Contains("databasebudget.pooloperator.io/orders-db created", examples, StringComparison.Ordinal);

        var json = JsonNode.Parse(await Kubectl.OkAsync("get", "databasebudgets", "-o", "json"))!;
        var names = json["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).ToList();
        Assert.Contains("orders-db", names);
        var orders = json["items"]!.AsArray().First(i => (string?)i!["metadata"]!["name"] == "orders-db")!;
        Assert.Equal(100, (int)orders["spec"]!["maxConnections"]!);
        Assert.Equal(1, (int)orders["spec"]!["workloads"]![0]!["weight"]!);

        var table = await Kubectl.OkAsync("get", "dbb");
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Contains("AGE", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("orders-db", StringComparison.Ordinal));

        // Applying the same files again succeeds and changes nothing (kubectl may still say "configured": its
        // merge patch replaces the workloads list, which the server defaults back to the same content).
        var generation = await Kubectl.OkAsync("get", "dbb", "orders-db", "-o", "jsonpath={.metadata.generation}/{.metadata.resourceVersion}");
        await Kubectl.OkAsync("apply", "-f", RepoPaths.Examples);
        Assert.Equal(generation, await Kubectl.OkAsync("get", "dbb", "orders-db", "-o", "jsonpath={.metadata.generation}/{.metadata.resourceVersion}"));
    }

    [KubectlFact]
    public async Task Patch_changes_a_budget_and_the_CRDs_CEL_rules_refuse_a_bad_one()
    {
        await Kubectl.OkAsync("apply", "-f", RepoPaths.Crds);
        await Kubectl.OkAsync("apply", "-f", Path.Combine(RepoPaths.Examples, "budget-basic.yaml"));

        await Kubectl.OkAsync("patch", "databasebudget", "orders-db", "--type=merge", "-p", """{"spec":{"reservedConnections":20}}""");
        var reserved = await Kubectl.OkAsync("get", "dbb", "orders-db", "-o", "jsonpath={.spec.reservedConnections} {.metadata.generation}");
        Assert.Equal("20 2", reserved.Trim());

        var refused = await Kubectl.RunAsync("patch", "dbb", "orders-db", "--type=merge", "-p", """{"spec":{"reservedConnections":100}}""");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("reservedConnections must be smaller than maxConnections", refused.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Apply_with_an_unknown_field_is_refused_by_server_side_validation()
    {
        await Kubectl.OkAsync("apply", "-f", RepoPaths.Crds);
        var file = Write("bad.yaml", """
            apiVersion: pooloperator.io/v1alpha1
            kind: DatabaseBudget
            metadata:
              name: bad
            spec:
              maxConnections: 10
              maxConnectionz: 20
              workloads:
                - name: api
            """);

        var result = await Kubectl.RunAsync("apply", "-f", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("unknown field \"spec.maxConnectionz\"", result.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Apply_of_a_built_in_kind_with_an_unknown_field_is_refused()
    {
        var file = Write("typo.yaml", Deployment("typo", 1).Replace("  replicas: 1", "  replicaz: 1", StringComparison.Ordinal));

        var result = await Kubectl.RunAsync("apply", "-f", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("unknown field \"spec.replicaz\"", result.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Scale_changes_a_deployments_replicas()
    {
        await Kubectl.OkAsync("apply", "-f", Write("deploy.yaml", Deployment("orders-api", 2)));

        await Kubectl.OkAsync("scale", "deployment/orders-api", "--replicas=5");

        Assert.Equal("5", (await Kubectl.OkAsync("get", "deploy", "orders-api", "-o", "jsonpath={.spec.replicas}")).Trim());
        var table = await Kubectl.OkAsync("get", "deployments");
        Assert.Contains("orders-api", table, StringComparison.Ordinal);
        Assert.Contains("0/5", table, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Imperative_create_of_namespaces_secrets_configmaps_and_rbac_works_though_kubectl_sends_protobuf()
    {
        await Kubectl.OkAsync("create", "namespace", "team-a");
        await Kubectl.OkAsync("create", "secret", "generic", "db", "-n", "team-a", "--from-literal=connectionString=Host=db;Password=p");
        await Kubectl.OkAsync("create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast");

        var secret = await Kubectl.OkAsync("get", "secret", "db", "-n", "team-a", "-o", "jsonpath={.data.connectionString}");
        Assert.Equal("Host=db;Password=p", Encoding.UTF8.GetString(Convert.FromBase64String(secret.Trim())));
        Assert.Equal("fast", (await Kubectl.OkAsync("get", "cm", "settings", "-n", "team-a", "-o", "jsonpath={.data.mode}")).Trim());
        await Kubectl.OkAsync("delete", "secret", "db", "-n", "team-a");

        await Kubectl.OkAsync("create", "role", "reader", "-n", "team-a", "--verb=get,list", "--resource=configmaps", "--resource-name=settings");
        await Kubectl.OkAsync("create", "rolebinding", "reader", "-n", "team-a", "--role=reader", "--serviceaccount=team-a:app");
        Assert.Equal("settings", (await Kubectl.OkAsync("get", "role", "reader", "-n", "team-a", "-o", "jsonpath={.rules[0].resourceNames[0]}")).Trim());
        Assert.Equal("app", (await Kubectl.OkAsync("get", "rolebinding", "reader", "-n", "team-a", "-o", "jsonpath={.subjects[0].name}")).Trim());
    }

    [KubectlFact]
    public async Task Delete_removes_objects()
    {
        await Kubectl.OkAsync("apply", "-f", RepoPaths.Crds);
        await Kubectl.OkAsync("apply", "-f", Path.Combine(RepoPaths.Examples, "budget-basic.yaml"));

        await Kubectl.OkAsync("delete", "dbb", "orders-db");
        var gone = await Kubectl.RunAsync("get", "dbb", "orders-db");

        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Get_watch_sees_a_change()
    {
        await Kubectl.OkAsync("apply", "-f", RepoPaths.Crds);
        await Kubectl.OkAsync("apply", "-f", Path.Combine(RepoPaths.Examples, "budget-basic.yaml"));
        using var watch = Kubectl.Start("get", "dbb", "--watch", "--output-watch-events", "-o", "custom-columns=EVENT:.type,NAME:.object.metadata.name,RESERVED:.object.spec.reservedConnections");
        var output = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        });
        string Seen()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Seen().Contains("ADDED", StringComparison.Ordinal)), "kubectl lists the budget");
            await Kubectl.OkAsync("patch", "dbb", "orders-db", "--type=merge", "-p", """{"spec":{"reservedConnections":33}}""");
            await Eventually.TrueAsync(() => Task.FromResult(Seen().Contains("33", StringComparison.Ordinal)), "kubectl get -w prints the change");
            Assert.Contains("MODIFIED", Seen(), StringComparison.Ordinal);
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private string Write(string name, string content)
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    internal static string Deployment(string name, int replicas) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
                - name: app
                  image: example/{name}:1
        """;
}

using System.Text.Json.Nodes;
using k8s;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Kubectl;

/// <summary>
/// kubectl as users type it: the imperative commands send protobuf bodies for built-in kinds, which the local
/// cluster decodes into the same objects the JSON path stores; and <c>apply -f</c> of a <c>kind: List</c>.
/// </summary>
public sealed class KubectlImperativeTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "poolop-imperative-" + Guid.NewGuid().ToString("N"));
    private LocalKubernetesServer? _server;
    private KubectlRunner? _kubectl;
    private IKubernetes? _client;

    private KubectlRunner Kubectl => _kubectl!;

    private IKubernetes Client => _client!;

    public async Task InitializeAsync()
    {
        if (KubectlRunner.Locate() is null)
        {
            return;
        }

        _server = await LocalKubernetesServer.StartAsync();
        _kubectl = new KubectlRunner(_server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig")));
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
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
    public async Task Create_deployment_stores_what_the_JSON_path_would_with_defaults_and_a_zero_replica_count_kept()
    {
        Assert.Contains("deployment.apps/orders created", await Kubectl.OkAsync("create", "deployment", "orders", "--image=registry.local/orders:1", "--port=8080"), StringComparison.Ordinal);
        await Kubectl.OkAsync("create", "deployment", "idle", "--image=registry.local/idle:1", "--replicas=0");

        var orders = await Client.AppsV1.ReadNamespacedDeploymentAsync("orders", "default");
        var idle = await Client.AppsV1.ReadNamespacedDeploymentAsync("idle", "default");

        Assert.Equal(1, orders.Spec.Replicas);
        Assert.Equal("orders", orders.Spec.Selector.MatchLabels["app"]);
        Assert.Equal("orders", orders.Spec.Template.Metadata.Labels["app"]);
        var container = Assert.Single(orders.Spec.Template.Spec.Containers);
        Assert.Equal(("orders", "registry.local/orders:1"), (container.Name, container.Image));
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
        Assert.Equal("RollingUpdate", orders.Spec.Strategy.Type);
        Assert.Equal(0, idle.Spec.Replicas);
    }

    [KubectlFact]
    public async Task Create_job_stores_a_batch_v1_Job_with_the_servers_selector()
    {
        Assert.Contains("job.batch/migrate created", await Kubectl.OkAsync("create", "job", "migrate", "--image=registry.local/migrate:1", "--", "migrate", "--up"), StringComparison.Ordinal);

        var job = await Client.BatchV1.ReadNamespacedJobAsync("migrate", "default");

        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.Equal("registry.local/migrate:1", container.Image);
        Assert.Equal(["migrate", "--up"], container.Command);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        Assert.Equal(job.Metadata.Uid, job.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("migrate", job.Spec.Template.Metadata.Labels["batch.kubernetes.io/job-name"]);
        Assert.Equal((1, 6), (job.Spec.Completions, job.Spec.BackoffLimit));
        Assert.Contains("migrate", await Kubectl.OkAsync("get", "jobs"), StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Create_service_clusterip_and_expose_deployment_store_services_with_ports_and_selectors()
    {
        await Kubectl.OkAsync("create", "service", "clusterip", "payments", "--tcp=80:8080");
        await Kubectl.OkAsync("create", "deployment", "orders", "--image=registry.local/orders:1");
        Assert.Contains("service/orders exposed", await Kubectl.OkAsync("expose", "deployment", "orders", "--port=80", "--target-port=8080"), StringComparison.Ordinal);

        var payments = await Client.CoreV1.ReadNamespacedServiceAsync("payments", "default");
        var orders = await Client.CoreV1.ReadNamespacedServiceAsync("orders", "default");

        var port = Assert.Single(payments.Spec.Ports);
        Assert.Equal((80, "8080", "TCP"), (port.Port, port.TargetPort.Value, port.Protocol));
        Assert.Equal("ClusterIP", payments.Spec.Type);
        Assert.StartsWith("10.96.", payments.Spec.ClusterIP, StringComparison.Ordinal);
        Assert.Equal("payments", payments.Spec.Selector["app"]);
        Assert.Equal("orders", orders.Spec.Selector["app"]);
        Assert.Equal((80, "8080"), (Assert.Single(orders.Spec.Ports).Port, orders.Spec.Ports[0].TargetPort.Value));
    }

    [KubectlFact]
    public async Task Run_creates_a_pod_with_its_image_labels_and_environment()
    {
        Assert.Contains("pod/debug created", await Kubectl.OkAsync("run", "debug", "--image=registry.local/tools:1", "--env=MODE=check", "--labels=team=db", "--restart=Never"), StringComparison.Ordinal);

        var pod = await Client.CoreV1.ReadNamespacedPodAsync("debug", "default");

        var container = Assert.Single(pod.Spec.Containers);
        Assert.Equal("registry.local/tools:1", container.Image);
        Assert.Equal(("MODE", "check"), (Assert.Single(container.Env).Name, container.Env[0].Value));
        Assert.Equal("db", pod.Metadata.Labels["team"]);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
    }

    [KubectlFact]
    public async Task Apply_of_a_List_creates_every_item_as_on_a_real_cluster()
    {
        var file = Path.Combine(_dir, "list.yaml");
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(file, """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata:
                name: settings
              data:
                mode: strict
            - apiVersion: apps/v1
              kind: Deployment
              metadata:
                name: orders
              spec:
                selector:
                  matchLabels: {app: orders}
                template:
                  metadata:
                    labels: {app: orders}
                  spec:
                    containers:
                    - name: orders
                      image: registry.local/orders:1
            """);

        var applied = await Kubectl.OkAsync("apply", "-f", file);
        var again = await Kubectl.OkAsync("apply", "-f", file);

        Assert.Contains("configmap/settings created", applied, StringComparison.Ordinal);
        Assert.Contains("deployment.apps/orders created", applied, StringComparison.Ordinal);
        Assert.Contains("configmap/settings unchanged", again, StringComparison.Ordinal);
        Assert.Equal("strict", (await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default")).Data["mode"]);
    }

    [KubectlFact]
    public async Task Apply_of_a_List_still_gets_the_servers_field_validation_for_each_item()
    {
        var file = Path.Combine(_dir, "bad-list.yaml");
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(file, """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata:
                name: settings
              color: blue
            """);

        var refused = await Kubectl.RunAsync("apply", "-f", file);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("unknown field \"color\"", refused.Stderr, StringComparison.Ordinal);
    }
}

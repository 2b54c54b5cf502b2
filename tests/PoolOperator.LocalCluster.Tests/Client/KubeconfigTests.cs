using k8s;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

public sealed class KubeconfigTests
{
    [Fact]
    public async Task The_written_kubeconfig_is_read_by_the_client_library_as_a_program_would_read_KUBECONFIG()
    {
        await using var server = await TestCluster.StartAsync();
        var dir = Path.Combine(Path.GetTempPath(), "poolop-kubeconfig-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = server.WriteKubeconfig(Path.Combine(dir, "nested", "kubeconfig"));

            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            using var client = new Kubernetes(config);
            var namespaces = await client.CoreV1.ListNamespaceAsync();

            Assert.Equal("default", config.Namespace);
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
            Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), config.Host.TrimEnd('/'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

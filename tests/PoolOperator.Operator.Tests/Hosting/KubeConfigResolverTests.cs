using PoolOperator.Operator.Hosting;
using Xunit.Abstractions;

namespace PoolOperator.Operator.Tests.Hosting;

public sealed class KubeConfigResolverTests(ITestOutputHelper output)
{
    [Fact]
    public void Without_a_cluster_or_a_kubeconfig_the_message_says_what_to_do()
    {
        var home = Directory.CreateTempSubdirectory("no-kube-").FullName;
        var env = new Dictionary<string, string?> { ["HOME"] = home };

        var ex = Assert.Throws<KubeConfigNotFoundException>(() => KubeConfigResolver.Resolve(name => env.GetValueOrDefault(name)));

        Assert.Contains("KUBECONFIG", ex.Message, StringComparison.Ordinal);
        Assert.Contains("KUBERNETES_SERVICE_HOST", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(home, ".kube", "config"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uses_the_kubeconfig_named_by_KUBECONFIG()
    {
        await using var cluster = await TestCluster.StartAsync(output);
        var path = cluster.Server.WriteKubeconfig(Path.Combine(Directory.CreateTempSubdirectory("kube-").FullName, "config"));
        var env = new Dictionary<string, string?> { ["KUBECONFIG"] = path, ["HOME"] = "/nonexistent" };

        var config = KubeConfigResolver.Resolve(name => env.GetValueOrDefault(name));

        Assert.Equal(cluster.Server.BaseAddress.ToString().TrimEnd('/'), config.Host.TrimEnd('/'));
    }

    [Fact]
    public void A_kubeconfig_that_cannot_be_read_is_named_in_the_error()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("bad-kube-").FullName, "config");
        File.WriteAllText(path, "this: is: not: a kubeconfig");
        var env = new Dictionary<string, string?> { ["KUBECONFIG"] = path };

        var ex = Assert.ThrowsAny<Exception>(() => KubeConfigResolver.Resolve(name => env.GetValueOrDefault(name)));

        Assert.IsType<KubeConfigNotFoundException>(ex);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}

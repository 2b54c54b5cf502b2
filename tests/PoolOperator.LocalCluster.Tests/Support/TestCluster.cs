namespace PoolOperator.LocalCluster.Tests.Support;

/// <summary>Starts a local cluster with the project's real CRDs (deploy/crds) installed.</summary>
internal static class TestCluster
{
    public static Task<LocalKubernetesServer> StartAsync(Action<LocalClusterOptions>? configure = null)
    {
        var options = new LocalClusterOptions();
        options.ManifestPaths.Add(RepoPaths.Crds);
        configure?.Invoke(options);
        return LocalKubernetesServer.StartAsync(options);
    }
}

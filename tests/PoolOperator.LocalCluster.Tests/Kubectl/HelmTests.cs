using System.Diagnostics;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Kubectl;

/// <summary>The real helm against the local cluster: its release Secrets go through the protobuf path.</summary>
public sealed class HelmTests
{
    private static string? Helm =>
        Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } configured && File.Exists(configured)
            ? configured
            : File.Exists(Path.Combine(RepoPaths.Root, ".tools", "bin", "helm")) ? Path.Combine(RepoPaths.Root, ".tools", "bin", "helm") : null;

    [KubectlFact]
    public async Task Helm_installs_upgrades_and_uninstalls_the_chart_with_openapi_validation_disabled()
    {
        Assert.True(Helm is not null, "helm not found: run `bash .ci/install-tools.sh` (installs .tools/bin/helm) or set HELM");
        var dir = Path.Combine(Path.GetTempPath(), "poolop-helm-" + Guid.NewGuid().ToString("N"));
        await using var server = await LocalKubernetesServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
        var kubectl = new KubectlRunner(kubeconfig);
        var chart = Path.Combine(RepoPaths.Root, "charts", "pool-operator");
        try
        {
            // helm validates against /openapi/v2 (protobuf), served without definitions: the server validates.
            await HelmAsync(kubeconfig, dir, "install", "pool-operator", chart, "-n", "pool-operator", "--create-namespace");
            Assert.Contains("pool-operator", await kubectl.OkAsync("get", "deployments", "-n", "pool-operator", "-o", "name"), StringComparison.Ordinal);
            Assert.Contains("helm.sh/release.v1", await kubectl.OkAsync("get", "secrets", "-n", "pool-operator", "-o", "jsonpath={.items[*].type}"), StringComparison.Ordinal);

            await HelmAsync(kubeconfig, dir, "upgrade", "pool-operator", chart, "-n", "pool-operator");
            Assert.Contains("deployed", await HelmAsync(kubeconfig, dir, "list", "-n", "pool-operator"), StringComparison.Ordinal);

            await HelmAsync(kubeconfig, dir, "uninstall", "pool-operator", "-n", "pool-operator");
            Assert.Equal("", (await kubectl.OkAsync("get", "deployments", "-n", "pool-operator", "-o", "name")).Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> HelmAsync(string kubeconfig, string dir, params string[] args)
    {
        var info = new ProcessStartInfo(Helm!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["HELM_CACHE_HOME"] = Path.Combine(dir, "helm-cache");
        info.Environment["HELM_CONFIG_HOME"] = Path.Combine(dir, "helm-config");
        info.Environment["HELM_DATA_HOME"] = Path.Combine(dir, "helm-data");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"helm {string.Join(' ', args)} failed: {await stderr}{await stdout}");
        return await stdout;
    }
}

using System.Diagnostics;
using System.Text;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Kubectl;

/// <summary>Runs the real kubectl binary against a local cluster's kubeconfig.</summary>
internal sealed class KubectlRunner
{
    private readonly string _binary;
    private readonly string _kubeconfig;
    private readonly string _cacheDir;

    public KubectlRunner(string kubeconfig)
    {
        _binary = Locate() ?? throw new InvalidOperationException(KubectlFactAttribute.MissingMessage);
        _kubeconfig = kubeconfig;
        _cacheDir = Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache");
    }

    /// <summary>KUBECTL, or the binary .ci/install-tools.sh puts in .tools/bin; null when neither exists.</summary>
    public static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("KUBECTL");
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured))
        {
            return configured;
        }

        var installed = Path.Combine(RepoPaths.Root, ".tools", "bin", "kubectl");
        return File.Exists(installed) ? installed : null;
    }

    /// <summary>Runs kubectl to completion (bounded) and returns its exit code and output.</summary>
    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl " + string.Join(' ', args) + " did not finish");
        }

        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and asserts it succeeded; returns stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }

    /// <summary>Starts a long-running kubectl (such as <c>get -w</c>) with redirected output.</summary>
    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("--kubeconfig=" + _kubeconfig);
        info.ArgumentList.Add("--cache-dir=" + _cacheDir);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
    }
}

/// <summary>What a kubectl run printed.</summary>
internal sealed record KubectlResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A test that needs the real kubectl; skipped, saying how to get it, only when the binary is absent.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public const string MissingMessage = "kubectl not found: run `bash .ci/install-tools.sh` (installs .tools/bin/kubectl) or set KUBECTL";

    public KubectlFactAttribute()
    {
        if (KubectlRunner.Locate() is null)
        {
            Skip = MissingMessage;
        }
    }
}

using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster.Processes;

namespace PoolOperator.LocalCluster;

/// <summary>The server's part in running pods as processes: it hosts the process kubelet.</summary>
public sealed partial class LocalKubernetesServer
{
    private ProcessKubelet? _processKubelet;

    /// <summary>
    /// The images this server runs as local processes (<see cref="LocalClusterOptions.ProcessImages"/>); give them to
    /// <see cref="Simulation.WorkloadSimulatorOptions.ProcessImages"/> so the simulator leaves those pods to this server.
    /// </summary>
    public IReadOnlyCollection<string> ProcessImages { get; private set; } = [];

    private void StartProcessKubelet(ProcessImageMap images, PodLogStore logs, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ProcessImages = images.Images.ToList();
        if (images.IsEmpty)
        {
            return;
        }

        // Each pod runs as its service account: the kubeconfig it gets carries that account's token.
        _processKubelet = new ProcessKubelet(
            CreateClient(),
            images,
            logs,
            (ns, serviceAccount, path) => WriteKubeconfig(path, IssueServiceAccountToken(ns, serviceAccount)),
            time,
            loggerFactory.CreateLogger("PoolOperator.LocalCluster.Processes"));
        _processKubelet.Start();
    }

    private async Task StopProcessKubeletAsync()
    {
        if (_processKubelet is { } kubelet)
        {
            _processKubelet = null;
            await kubelet.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The user a bearer token authenticates as, or null (for tests of the identity handed to pods).</summary>
    internal string? UserOfToken(string token) => _tokens.Authenticate("Bearer " + token)?.Name;
}

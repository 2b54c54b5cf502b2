using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Drives the limit of the registered <see cref="BudgetedDataSource"/>: nothing to do with a static limit;
/// otherwise a <see cref="GrantAgent"/> over the registered <see cref="IKubernetes"/> or the in-cluster client.
/// Without any Kubernetes API it applies the fallback limit and logs why, rather than failing the application.
/// </summary>
/// <remarks>
/// The agent gives its share back in <see cref="StoppedAsync"/>, after every hosted service has stopped: the web server
/// (registered before the application's services, so stopped after them) drains its in-flight requests first, and they
/// still get connections. Only then does the agent stop admitting, close its connections and write <c>Released</c>.
/// </remarks>
internal sealed class ClientAgentHostedService : IHostedLifecycleService, IDisposable
{
    private readonly BudgetedDataSource _dataSource;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _release = new();
    private Task _running = Task.CompletedTask;

    public ClientAgentHostedService(BudgetedDataSource dataSource, IServiceProvider services, ILogger<ClientAgentHostedService> logger)
    {
        _dataSource = dataSource;
        _services = services;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = Task.Run(() => RunAsync(_release.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing yet: work still being drained by services that stop after this one keeps its limit.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every hosted service has stopped: release the share and wait for the agent, within the host's shutdown timeout.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _release.CancelAsync();
        await _running.WaitAsync(cancellationToken);
    }

    public void Dispose() => _release.Dispose();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var options = _dataSource.Options;
        if (options.StaticLimit is { } staticLimit)
        {
            AgentLog.StaticLimit(_logger, _dataSource.BudgetName, staticLimit);
            return;
        }

        // The options validator guarantees the identity when there is no static limit.
        var identity = GrantIdentity.From(options)!;
        var registered = _services.GetService<IKubernetes>();
        using var owned = registered is null ? OwnClient() : null;
        var client = registered ?? owned;
        if (client is null)
        {
            AgentLog.NoKubernetes(_logger, _dataSource.BudgetName, options.FallbackLimit);
            try
            {
                await _dataSource.ApplyLimitAsync(options.FallbackLimit, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            _dataSource.UsingFallback = options.FallbackLimit > 0;
            if (options.FallbackLimit > 0)
            {
                _dataSource.Metrics.RecordFallback();
            }

            return;
        }

        await new GrantAgent(_dataSource, client, identity).RunAsync(stoppingToken);
    }

    /// <summary>
    /// The in-cluster client, or the one a KUBECONFIG names (a pod that is handed its service-account identity as a
    /// kubeconfig, as the local cluster's process pods are); null outside any cluster.
    /// </summary>
    private static Kubernetes? OwnClient() =>
        KubernetesClientConfiguration.IsInCluster() ? new Kubernetes(KubernetesClientConfiguration.InClusterConfig())
        : Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } path && File.Exists(path)
            ? new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path))
            : null;
}

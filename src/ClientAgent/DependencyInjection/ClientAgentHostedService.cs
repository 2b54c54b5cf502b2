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
internal sealed class ClientAgentHostedService : BackgroundService
{
    private readonly BudgetedDataSource _dataSource;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    public ClientAgentHostedService(BudgetedDataSource dataSource, IServiceProvider services, ILogger<ClientAgentHostedService> logger)
    {
        _dataSource = dataSource;
        _services = services;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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
            await _dataSource.ApplyLimitAsync(options.FallbackLimit, stoppingToken);
            _dataSource.UsingFallback = true;
            _dataSource.Metrics.RecordFallback();
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

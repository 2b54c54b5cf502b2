using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PoolOperator.Operator.Hosting;

namespace PoolOperator.Operator.Leadership;

/// <summary>
/// Campaigns for the Lease with KubernetesClient's <see cref="LeaderElector"/> and turns its
/// callbacks into <see cref="Leadership"/> terms. After losing the lease it campaigns again, as a
/// follower whose caches stay warm. With leader election disabled this replica leads at once.
/// </summary>
public sealed partial class LeaderElectionService : BackgroundService
{
    private readonly IKubernetes client;
    private readonly Leadership leadership;
    private readonly LeaderElectionOptions options;
    private readonly ILogger<LeaderElectionService> logger;

    /// <summary>Creates the service.</summary>
    public LeaderElectionService(IKubernetes client, Leadership leadership, IOptions<OperatorOptions> options, ILogger<LeaderElectionService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.client = client;
        this.leadership = leadership;
        this.options = options.Value.LeaderElection;
        this.logger = logger;
        Identity = ResolveIdentity(this.options);
        LeaseNamespace = this.options.LeaseNamespace ?? NonEmpty(Environment.GetEnvironmentVariable("POD_NAMESPACE")) ?? "default";
    }

    /// <summary>This replica's identity in the lease.</summary>
    public string Identity { get; }

    /// <summary>The namespace of the lease.</summary>
    public string LeaseNamespace { get; }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            // Leads from before the controller starts (hosted services start one after another), so the caches' first
            // lists begin inside the term and serve as its fresh read.
            LogElectionDisabled(logger, Identity);
            leadership.ObserveLeader(Identity);
            leadership.Acquire();
        }

        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        var config = new LeaderElectionConfig(new WholeSecondSafeLock(new LeaseLock(client, LeaseNamespace, options.LeaseName, Identity)))
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(config);

            // The elector's callbacks are synchronous; they only flip the term, which is cheap.
            elector.OnStartedLeading += () =>
            {
                LogStartedLeading(logger, Identity, LeaseNamespace, options.LeaseName);
                leadership.ObserveLeader(Identity);
                leadership.Acquire();
            };
            elector.OnStoppedLeading += () =>
            {
                leadership.Lose();
                LogStoppedLeading(logger, Identity);
            };
            elector.OnNewLeader += leader =>
            {
                leadership.ObserveLeader(leader);
                LogNewLeader(logger, leader);
            };
            elector.OnError += ex => LogElectionError(logger, ex);

            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The campaign must outlive any single failure of the API.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                leadership.Lose();
                LogElectionError(logger, ex);
                await Task.Delay(options.RetryPeriod, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        leadership.Lose();
    }

    private static string ResolveIdentity(LeaderElectionOptions options) =>
        NonEmpty(options.Identity)
        ?? NonEmpty(Environment.GetEnvironmentVariable("POD_NAME"))
        ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Leader election is disabled: {Identity} leads alone")]
    private static partial void LogElectionDisabled(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads (lease {LeaseNamespace}/{LeaseName})")]
    private static partial void LogStartedLeading(ILogger logger, string identity, string leaseNamespace, string leaseName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost the lease and stopped writing")]
    private static partial void LogStoppedLeading(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "The leader is {Leader}")]
    private static partial void LogNewLeader(ILogger logger, string leader);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Leader election error")]
    private static partial void LogElectionError(ILogger logger, Exception exception);
}

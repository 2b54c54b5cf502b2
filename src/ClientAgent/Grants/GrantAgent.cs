using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Keeps a <see cref="BudgetedDataSource"/>'s limit at its pod's ConnectionGrant: watches the grant, applies each
/// new limit (a shrink completes only when the physical connections are within it) and then acknowledges it in
/// the grant's status. Until the first grant arrives opens are held; after
/// <see cref="ClientAgentOptions.StartupGrantWait"/> the fallback limit applies. When the API cannot be reached
/// the last applied limit stays in force.
/// </summary>
public sealed class GrantAgent
{
    private readonly BudgetedDataSource _dataSource;
    private readonly GrantIdentity _identity;
    private readonly GrantWatcher _watcher;
    private readonly GrantStatusWriter _writer;
    private readonly ClientAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<GrantTarget> _targets = Channel.CreateBounded<GrantTarget>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private volatile bool _grantSeen;

    /// <summary>Creates an agent for <paramref name="dataSource"/> following the grant named by <paramref name="identity"/>.</summary>
    public GrantAgent(BudgetedDataSource dataSource, IKubernetes client, GrantIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(identity);
        _dataSource = dataSource;
        _identity = identity;
        _options = dataSource.Options;
        _time = dataSource.Time;
        _logger = dataSource.LoggerFactory.CreateLogger<GrantAgent>();
        _watcher = new GrantWatcher(client, identity, _options, () => dataSource.Limit, _time, _logger);
        _writer = new GrantStatusWriter(client, identity, _options, _time, _logger);
    }

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var fallback = _time.CreateTimer(
            static state => ((GrantAgent)state!).OfferFallback(), this, _options.StartupGrantWait, Timeout.InfiniteTimeSpan);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = _watcher.RunAsync(OnGrant, stop.Token);
        try
        {
            await ApplyLoopAsync(stop.Token);
        }
        finally
        {
            await stop.CancelAsync();
            await watch;
        }
    }

    private void OnGrant(ConnectionGrant? grant)
    {
        if (grant is null)
        {
            AgentLog.GrantDeleted(_logger, _identity.BudgetName, _identity.Display, _dataSource.Limit);
            return;
        }

        _grantSeen = true;
        var target = GrantTarget.From(grant);
        AgentLog.GrantReceived(_logger, _identity.BudgetName, _identity.Display, target.Generation, target.Limit);
        _targets.Writer.TryWrite(target);
    }

    private void OfferFallback()
    {
        if (!_grantSeen)
        {
            _targets.Writer.TryWrite(GrantTarget.Fallback(_options.FallbackLimit));
        }
    }

    /// <summary>
    /// Applies targets one at a time. A newer target that asks for something else cancels the one in progress
    /// (a shrink may be waiting for busy connections); a repeat of the same target (our own status write comes
    /// back as an event) lets it finish.
    /// </summary>
    private async Task ApplyLoopAsync(CancellationToken cancellationToken)
    {
        Task<GrantTarget>? next = null;
        Task? applying = null;
        GrantTarget? current = null;
        CancellationTokenSource? applyCancellation = null;
        try
        {
            while (true)
            {
                next ??= _targets.Reader.ReadAsync(cancellationToken).AsTask();
                if (applying is not null && await Task.WhenAny(next, applying) == applying)
                {
                    await ObserveAsync(applying, current!);
                    applying = null;
                    continue;
                }

                var target = await next;
                next = null;
                if (applying is not null)
                {
                    if (target.SameWorkAs(current))
                    {
                        continue;
                    }

                    await applyCancellation!.CancelAsync();
                    await ObserveAsync(applying, current!);
                }

                applyCancellation?.Dispose();
                applyCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                current = target;
                applying = ApplyAndAcknowledgeAsync(target, applyCancellation.Token);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (applying is not null)
            {
                await ObserveAsync(applying, current!);
            }
        }
        finally
        {
            applyCancellation?.Dispose();
        }
    }

    private async Task ObserveAsync(Task applying, GrantTarget target)
    {
        try
        {
            await applying;
        }
        catch (OperationCanceledException)
        {
            // Replaced by a newer target, or shutting down.
        }
#pragma warning disable CA1031 // One failed apply must not stop the agent: the limit in force stays, and the next event retries.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            AgentLog.ApplyFailed(_logger, exception, _identity.BudgetName, _identity.Display, target.Limit);
        }
    }

    private async Task ApplyAndAcknowledgeAsync(GrantTarget target, CancellationToken cancellationToken)
    {
        var applied = await _dataSource.ApplyLimitAsync(target.Limit, cancellationToken);
        if (target.IsFallback)
        {
            _dataSource.UsingFallback = true;
            _dataSource.Metrics.RecordFallback();
            AgentLog.FallbackApplied(_logger, _identity.BudgetName, _identity.Display, _options.StartupGrantWait, applied.Limit);
            return;
        }

        _dataSource.UsingFallback = false;
        if (target.IsAcknowledged(applied.Limit))
        {
            return;
        }

        var status = new ConnectionGrantStatus
        {
            AppliedLimit = applied.Limit,
            ObservedGeneration = target.Generation,
            InUse = applied.InUse,
            Idle = applied.Physical.Idle,
            Waiting = applied.Waiting,
            UpdatedAt = _time.GetUtcNow().UtcDateTime,
        };
        if (await _writer.WriteAsync(status, cancellationToken))
        {
            AgentLog.GrantAcknowledged(_logger, _identity.BudgetName, _identity.Display, applied.Limit, target.Generation);
        }
    }
}

using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Keeps a <see cref="BudgetedDataSource"/>'s limit at its pod's ConnectionGrant, following protocol v2
/// (docs/protocol.md) through <see cref="GrantFollower"/>, the decisions every agent shares. One reader applies, in
/// order, everything that can change a decision: grant events, the startup timer, measurements, written
/// acknowledgements and the stop signal. The watch, the timers and the status writer only post to it, on a channel that
/// drops nothing.
/// </summary>
/// <remarks>
/// <para>Starts closed (limit 0); a grant bound to another pod UID is ignored; a deleted grant closes everything; while the
/// API is lost the last limit stays. A shrink lowers the gate first and is acknowledged only once measured to hold.</para>
/// <para>When <c>RunAsync</c>'s token is cancelled (host stopping) the agent stops admitting, lets in-flight work finish
/// within <see cref="ClientAgentOptions.StopGracePeriod"/>, closes every connection and writes <c>{Released, 0}</c> for the
/// newest generation, so the operator moves the share before the pod object is gone; then <c>RunAsync</c> returns.</para>
/// </remarks>
public sealed class GrantAgent
{
    private static readonly TimeSpan MeasureTimeout = TimeSpan.FromSeconds(10);

    private readonly BudgetedDataSource _dataSource;
    private readonly GrantIdentity _identity;
    private readonly string _podUid;
    private readonly GrantWatcher _watcher;
    private readonly GrantStatusWriter _writer;
    private readonly ClientAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrantFollower _follower;
    private readonly Channel<AgentEvent> _events = Channel.CreateUnbounded<AgentEvent>(new UnboundedChannelOptions { SingleReader = true });
    private PoolFigures _figures;
    private (string? Uid, long? Generation) _lastForeign;

    /// <summary>Creates an agent for <paramref name="dataSource"/> following the grant named by <paramref name="identity"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="identity"/> has no pod UID.</exception>
    public GrantAgent(BudgetedDataSource dataSource, IKubernetes client, GrantIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(identity);
        if (string.IsNullOrEmpty(identity.PodUid))
        {
            throw new ArgumentException(
                $"The grant identity needs the pod's UID: set PoolOperator:Agent:PodUid ({AgentEnvironment.PodUid}) from the downward API (fieldRef metadata.uid).",
                nameof(identity));
        }

        _dataSource = dataSource;
        _identity = identity;
        _podUid = identity.PodUid;
        _options = dataSource.Options;
        _time = dataSource.Time;
        _logger = dataSource.LoggerFactory.CreateLogger<GrantAgent>();
        _follower = new GrantFollower(_podUid, _options.MaxPoolSize);
        _watcher = new GrantWatcher(client, identity, _options, () => dataSource.Limit, _time, _logger);
        _writer = new GrantStatusWriter(client, identity, _options, _time, _logger);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled and the share is given back (or the stop grace period ends).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var background = new CancellationTokenSource();
        using var startup = Timer(new AgentEvent.StartupWaitElapsed(), _options.StartupGrantWait, Timeout.InfiniteTimeSpan);
        using var measure = Timer(new AgentEvent.MeasureDue(), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var refresh = Timer(new AgentEvent.StatusRefreshDue(), _options.StatusRefreshInterval, _options.StatusRefreshInterval);
        using var grace = Timer(new AgentEvent.StopGraceElapsed(), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var stop = cancellationToken.Register(() => Post(new AgentEvent.StopRequested()));
        var watch = _watcher.RunAsync(Post, background.Token);
        var writer = _writer.RunAsync(acknowledgement => Post(new AgentEvent.Written(acknowledgement)), background.Token);
        try
        {
            await ReadAsync(measure, grace);
        }
        finally
        {
            await background.CancelAsync();
            await Task.WhenAll(watch, writer);
        }
    }

    private void Post(AgentEvent next) => _events.Writer.TryWrite(next);

    private ITimer Timer(AgentEvent posted, TimeSpan due, TimeSpan period) =>
        _time.CreateTimer(state => Post((AgentEvent)state!), posted, due, period);

    /// <summary>The one reader: applies each event to the follower, then brings the gate, the pool and the status in line.</summary>
    private async Task ReadAsync(ITimer measure, ITimer grace)
    {
        int? couldHold = null;
        while (true)
        {
            var next = await _events.Reader.ReadAsync();
            switch (next)
            {
                case AgentEvent.GrantSeen seen:
                    Observe(seen.Grant);
                    break;
                case AgentEvent.GrantGone gone when _follower.HasGrant && (gone.GrantUid is null || gone.GrantUid == _follower.GrantUid):
                    AgentLog.GrantDeleted(_logger, _identity.BudgetName, _identity.Display);
                    _follower.GrantDeleted();
                    break;
                case AgentEvent.StartupWaitElapsed:
                    _follower.StartupWaitElapsed(_options.FallbackLimit);
                    if (!_follower.HasGrant && _follower.Limit > 0)
                    {
                        _dataSource.UsingFallback = true;
                        _dataSource.Metrics.RecordFallback();
                        AgentLog.FallbackApplied(_logger, _identity.BudgetName, _identity.Display, _options.StartupGrantWait, _follower.Limit);
                    }

                    break;
                case AgentEvent.StatusRefreshDue:
                    _figures = Figures();
                    break;
                case AgentEvent.Written written:
                    _follower.Written(written.Acknowledgement);
                    break;
                case AgentEvent.StopRequested when !_follower.Stopping:
                    AgentLog.Stopping(_logger, _identity.BudgetName, _identity.Display, _options.StopGracePeriod);
                    _dataSource.Stopping = true;
                    _follower.Stop();
                    grace.Change(_options.StopGracePeriod, Timeout.InfiniteTimeSpan);
                    break;
                case AgentEvent.StopGraceElapsed:
                    AgentLog.StopGraceElapsed(_logger, _identity.BudgetName, _identity.Display, _options.StopGracePeriod, couldHold, _follower.PendingAcknowledgement is not null);
                    return;
            }

            couldHold = await SettleAsync(measure) ?? couldHold;
            if (_follower.Stopping && !_follower.MeasurementNeeded && _follower.PendingAcknowledgement is null)
            {
                AgentLog.Released(_logger, _identity.BudgetName, _identity.Display);
                return;
            }
        }
    }

    private void Observe(ConnectionGrant grant)
    {
        if (!string.Equals(grant.Spec.PodUid, _podUid, StringComparison.Ordinal))
        {
            var foreign = (grant.Metadata?.Uid, grant.Metadata?.Generation);
            if (foreign != _lastForeign)
            {
                _lastForeign = foreign;
                AgentLog.ForeignGrantIgnored(_logger, _identity.BudgetName, _identity.Display, grant.Spec.PodUid, _podUid);
            }

            return;
        }

        if (_follower.Observe(grant))
        {
            _dataSource.UsingFallback = false;
            AgentLog.GrantReceived(_logger, _identity.BudgetName, _identity.Display, _follower.Generation, grant.Spec.Limit);
        }
    }

    /// <summary>
    /// Sets the gate to the follower's limit, measures when a shrink waits for its measurement (closing idle surplus on
    /// the way), and publishes what the status should say. Returns what the pool could hold, when it was measured.
    /// </summary>
    private async Task<int?> SettleAsync(ITimer measure)
    {
        var pendingBefore = _follower.PendingAcknowledgement;
        _dataSource.Resizer.SetLimit(_follower.Limit);
        _dataSource.GrantApplied = _follower.HasApplied;
        int? couldHold = null;
        if (_follower.MeasurementNeeded)
        {
            try
            {
                using var bounded = new CancellationTokenSource(MeasureTimeout, _time);
                couldHold = await _dataSource.Resizer.TrimAndMeasureAsync(bounded.Token);
            }
#pragma warning disable CA1031 // A failed measurement (server unreachable while closing surplus) acknowledges nothing and is retried.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                AgentLog.MeasureFailed(_logger, exception, _identity.BudgetName, _identity.Display, _follower.Limit);
            }

            if (couldHold is { } held)
            {
                _follower.Measured(held);
            }

            if (_follower.MeasurementNeeded)
            {
                measure.Change(_options.ResizePollInterval, Timeout.InfiniteTimeSpan);
            }
        }

        if (_follower.PendingAcknowledgement is { } pending && !Equals(pending, pendingBefore))
        {
            _figures = Figures();
        }

        _writer.Publish(_follower.PendingAcknowledgement, _follower.GrantUid, _figures);
        return couldHold;
    }

    private PoolFigures Figures()
    {
        var stats = _dataSource.Stats();
        return new PoolFigures(stats.InUse, stats.Idle, stats.Waiting);
    }
}

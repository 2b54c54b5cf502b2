using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.ClientAgent;

/// <summary>The informational part of a grant's status: what the pool looks like.</summary>
/// <param name="InUse">Connections handed out by the gate.</param>
/// <param name="Idle">Idle physical connections.</param>
/// <param name="Waiting">Opens waiting at the gate.</param>
internal readonly record struct PoolFigures(int InUse, int Idle, int Waiting);

/// <summary>
/// Writes the grant's status subresource as merge patches, in its own loop: always the newest acknowledgement the
/// reader published (<see cref="GrantFollower.PendingAcknowledgement"/>), and the pool's figures when they changed.
/// Every failure is retried with backoff, with whatever is newest by then: an acknowledgement is never dropped (the
/// operator counts the old, larger hold until it lands). Each landed acknowledgement is reported back to the reader.
/// </summary>
internal sealed class GrantStatusWriter
{
    private readonly IKubernetes _client;
    private readonly GrantIdentity _identity;
    private readonly ClientAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private AgentAcknowledgement? _acknowledgement;
    private string? _grantUid;
    private PoolFigures? _figures;

    public GrantStatusWriter(IKubernetes client, GrantIdentity identity, ClientAgentOptions options, TimeProvider time, ILogger logger)
    {
        _client = client;
        _identity = identity;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Publishes what should be in the status now; the loop writes it (a wake-up may be dropped, the state never is).</summary>
    public void Publish(AgentAcknowledgement? acknowledgement, string? grantUid, PoolFigures figures)
    {
        lock (_lock)
        {
            _acknowledgement = acknowledgement;
            _grantUid = grantUid;
            _figures = figures;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Writes until cancelled; <paramref name="written"/> hears of every acknowledgement that landed.</summary>
    public async Task RunAsync(Action<AgentAcknowledgement> written, CancellationToken cancellationToken)
    {
        AgentAcknowledgement? lastAcknowledgement = null;
        PoolFigures? lastFigures = null;
        var backoff = new Backoff(_options.WatchBackoffInitial, _options.WatchBackoffMax);
        try
        {
            while (true)
            {
                await _wake.Reader.ReadAsync(cancellationToken);
                for (var attempt = 1; ; attempt++)
                {
                    AgentAcknowledgement? acknowledgement;
                    string? grantUid;
                    PoolFigures? figures;
                    lock (_lock)
                    {
                        (acknowledgement, grantUid, figures) = (_acknowledgement, _grantUid, _figures);
                    }

                    var newAcknowledgement = acknowledgement is not null && !Equals(acknowledgement, lastAcknowledgement);
                    if (grantUid is null || (!newAcknowledgement && Equals(figures, lastFigures)))
                    {
                        break;
                    }

                    try
                    {
                        await PatchAsync(newAcknowledgement ? acknowledgement : null, grantUid, figures, cancellationToken);
                        backoff.Reset();
                        lastFigures = figures;
                        if (newAcknowledgement)
                        {
                            lastAcknowledgement = acknowledgement;
                            AgentLog.GrantAcknowledged(_logger, _identity.BudgetName, _identity.Display, acknowledgement!.Phase, acknowledgement.AppliedLimit, acknowledgement.ObservedGeneration);
                            written(acknowledgement);
                        }
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (HttpOperationException exception) when (exception.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity
                                                                        or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
                    {
                        // Gone (the watch will say so and the reader withdraws the acknowledgement), or refused: keep retrying what is newest.
                        var delay = backoff.Next();
                        AgentLog.StatusRejected(_logger, exception, _identity.BudgetName, _identity.Display, (int)exception.Response.StatusCode, delay);
                        await Task.Delay(delay, _time, cancellationToken);
                    }
#pragma warning disable CA1031 // Conflicts, throttling, server errors, lost connections: all retried until the write lands.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        var delay = backoff.Next();
                        AgentLog.StatusWriteFailed(_logger, exception, _identity.BudgetName, _identity.Display, attempt, delay);
                        await Task.Delay(delay, _time, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The agent ended.
        }
    }

    private async Task PatchAsync(AgentAcknowledgement? acknowledgement, string grantUid, PoolFigures? figures, CancellationToken cancellationToken)
    {
        // Only the fields being written: a null in a merge patch would delete the field (an acknowledgement must survive a refresh).
        var status = new Dictionary<string, object>(StringComparer.Ordinal) { ["updatedAt"] = _time.GetUtcNow().UtcDateTime };
        if (acknowledgement is not null)
        {
            status["phase"] = acknowledgement.Phase;
            status["appliedLimit"] = acknowledgement.AppliedLimit;
            status["observedGeneration"] = acknowledgement.ObservedGeneration;
        }

        if (figures is { } pool)
        {
            status["inUse"] = pool.InUse;
            status["idle"] = pool.Idle;
            status["waiting"] = pool.Waiting;
        }

        // The object's UID travels with the patch: a real API server refuses to change it, so an acknowledgement meant for a
        // deleted grant cannot land on a new grant of the same name.
        var patch = new V1Patch(new { metadata = new { uid = grantUid }, status }, V1Patch.PatchType.MergePatch);
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            body: patch,
            group: ApiGroup.Group,
            version: ApiGroup.Version,
            namespaceParameter: _identity.Namespace,
            plural: ApiGroup.GrantPlural,
            name: _identity.GrantName,
            cancellationToken: cancellationToken);
    }
}

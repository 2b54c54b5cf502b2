using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Writes the agent's acknowledgement to the grant's status subresource as a merge patch. Conflicts, throttling,
/// server errors and lost connections are retried with backoff until the write lands or the caller cancels
/// (the operator grows other pods only from acknowledged capacity, so a lost acknowledgement would stall it).
/// </summary>
internal sealed class GrantStatusWriter
{
    private readonly IKubernetes _client;
    private readonly GrantIdentity _identity;
    private readonly ClientAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public GrantStatusWriter(IKubernetes client, GrantIdentity identity, ClientAgentOptions options, TimeProvider time, ILogger logger)
    {
        _client = client;
        _identity = identity;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Writes <paramref name="status"/>; returns false when the grant is gone or rejects it.</summary>
    public async Task<bool> WriteAsync(ConnectionGrantStatus status, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(_options.WatchBackoffInitial, _options.WatchBackoffMax);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var patch = new V1Patch(new { status }, V1Patch.PatchType.MergePatch);
                await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    body: patch,
                    group: ApiGroup.Group,
                    version: ApiGroup.Version,
                    namespaceParameter: _identity.Namespace,
                    plural: ApiGroup.GrantPlural,
                    name: _identity.GrantName,
                    cancellationToken: cancellationToken);
                return true;
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity
                                                                or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                AgentLog.StatusRejected(_logger, exception, _identity.BudgetName, _identity.Display, (int)exception.Response.StatusCode);
                return false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
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

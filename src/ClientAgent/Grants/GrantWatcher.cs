using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using PoolOperator.Api;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Follows one ConnectionGrant: lists it (by field selector on its name), then watches from the list's
/// resourceVersion; when the watch ends (timeout, 410 Gone, a lost connection) it lists again, backing off while
/// the API fails or ends watches at once.
/// Every sighting is posted to the agent's reader (the state, not the event, matters); so is a deletion, and a list
/// that no longer has the grant (a deletion missed between two watches).
/// </summary>
internal sealed class GrantWatcher
{
    private const int WatchTimeoutSeconds = 300;
    private static readonly TimeSpan MinimumHealthyWatch = TimeSpan.FromSeconds(1);

    private readonly IKubernetes _client;
    private readonly GrantIdentity _identity;
    private readonly Func<int> _currentLimit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Backoff _backoff;

    public GrantWatcher(IKubernetes client, GrantIdentity identity, ClientAgentOptions options, Func<int> currentLimit, TimeProvider time, ILogger logger)
    {
        _client = client;
        _identity = identity;
        _currentLimit = currentLimit;
        _time = time;
        _logger = logger;
        _backoff = new Backoff(options.WatchBackoffInitial, options.WatchBackoffMax);
    }

    private string FieldSelector => "metadata.name=" + _identity.GrantName;

    /// <summary>Runs until cancelled, posting every sighting of the grant.</summary>
    public async Task RunAsync(Action<AgentEvent> post, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // One object: re-listing after every watch is cheap, and heals whatever a watch could miss
                // (a resourceVersion the server no longer knows, an API server that lost its state).
                var resourceVersion = await ListAsync(post, cancellationToken);
                var started = _time.GetTimestamp();
                await WatchAsync(resourceVersion, post, cancellationToken);
                if (_time.GetElapsedTime(started) < MinimumHealthyWatch)
                {
                    // A watch that ends at once points at a struggling server: do not hammer it.
                    await Task.Delay(_backoff.Next(), _time, cancellationToken);
                }
                else
                {
                    _backoff.Reset();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A watch must never die silently (the classic operator-client failure): every error backs off and re-lists.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // Whatever the API does, the last limit stays in force: nothing here touches the gate.
                var delay = _backoff.Next();
                AgentLog.WatchFailed(_logger, exception, _identity.BudgetName, _identity.Display, _currentLimit(), delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<string> ListAsync(Action<AgentEvent> post, CancellationToken cancellationToken)
    {
        var list = await _client.CustomObjects.ListNamespacedCustomObjectAsync<ConnectionGrantList>(
            group: ApiGroup.Group,
            version: ApiGroup.Version,
            namespaceParameter: _identity.Namespace,
            plural: ApiGroup.GrantPlural,
            fieldSelector: FieldSelector,
            cancellationToken: cancellationToken);
        var grant = list.Items.FirstOrDefault(item => item.Metadata.Name == _identity.GrantName);
        post(grant is null ? new AgentEvent.GrantGone(GrantUid: null) : new AgentEvent.GrantSeen(grant));

        return list.Metadata.ResourceVersion ?? "";
    }

    /// <summary>One watch request, until it ends; an error other than 410 Gone is thrown.</summary>
    private async Task WatchAsync(string resourceVersion, Action<AgentEvent> post, CancellationToken cancellationToken)
    {
        Exception? watchError = null;
        var response = _client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
            group: ApiGroup.Group,
            version: ApiGroup.Version,
            namespaceParameter: _identity.Namespace,
            plural: ApiGroup.GrantPlural,
            allowWatchBookmarks: true,
            fieldSelector: FieldSelector,
            resourceVersion: resourceVersion,
            timeoutSeconds: WatchTimeoutSeconds,
            watch: true,
            cancellationToken: cancellationToken);
        try
        {
#pragma warning disable CS0618 // WatchAsync on a list response is marked obsolete but is the custom-resource watch of this client version.
            await foreach (var (type, item) in response.WatchAsync<ConnectionGrant, object>(error => watchError ??= error, cancellationToken))
#pragma warning restore CS0618
            {
                if (item.Metadata?.Name is { } name && name != _identity.GrantName)
                {
                    continue;
                }

                switch (type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        post(new AgentEvent.GrantSeen(item));
                        break;
                    case WatchEventType.Deleted:
                        post(new AgentEvent.GrantGone(item.Metadata?.Uid ?? ""));
                        break;
                }

                if (watchError is not null)
                {
                    break;
                }
            }
        }
        catch (HttpRequestException exception) when (exception.InnerException is EndOfStreamException)
        {
            // A watch that ends without a single line (the server's timeout): a normal end.
            return;
        }

        if (watchError is not null and not KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            throw watchError;
        }
    }
}

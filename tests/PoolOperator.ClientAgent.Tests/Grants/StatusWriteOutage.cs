using System.Net;

namespace PoolOperator.ClientAgent.Tests.Grants;

/// <summary>
/// Sits in the agent's HTTP pipeline and answers every status write with 503 while <see cref="Failing"/> is set, as an API
/// server under load does; everything else (lists, watches) passes to the real local cluster.
/// </summary>
internal sealed class StatusWriteOutage : DelegatingHandler
{
    private volatile bool _failing;
    private int _refused;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>Status writes answered with 503 so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_failing && request.Method == HttpMethod.Patch && request.RequestUri!.AbsolutePath.EndsWith("/status", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _refused);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request });
        }

        return base.SendAsync(request, cancellationToken);
    }
}

using System.Threading.RateLimiting;
using PoolOperator.Operator.Hosting.Metrics;

namespace PoolOperator.Operator.Hosting;

/// <summary>
/// The client-side rate limit of every request the operator sends to the Kubernetes API, as
/// client-go's QPS and burst: a token bucket of <c>burst</c> tokens refilled at <c>qps</c> per
/// second; a request waits for a token (first come, first served) instead of failing. Each request
/// that goes out is counted in <see cref="OperatorMetrics"/>.
/// </summary>
public sealed class ApiRateLimitHandler : DelegatingHandler
{
    private readonly TokenBucketRateLimiter limiter;
    private readonly OperatorMetrics metrics;

    /// <summary>Creates the handler.</summary>
    /// <param name="qps">Average requests per second.</param>
    /// <param name="burst">Requests that may go out at once.</param>
    /// <param name="metrics">Counts the requests sent.</param>
    public ApiRateLimitHandler(double qps, int burst, OperatorMetrics metrics)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        this.metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));

        // Refill in steps of a tenth of a second when the rate allows (finer steps only cost timer
        // ticks); a rate below 10 per second adds one token every 1/qps seconds.
        var (period, tokens) = qps >= 10
            ? (TimeSpan.FromMilliseconds(100), (int)Math.Round(qps / 10))
            : (TimeSpan.FromSeconds(1 / qps), 1);
        limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            AutoReplenishment = true,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var lease = await limiter.AcquireAsync(1, cancellationToken);
        metrics.ApiRequestSent(request.Method.Method);
        return await base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            limiter.Dispose();
        }

        base.Dispose(disposing);
    }
}

namespace PoolOperator.ClientAgent;

/// <summary>Exponential backoff with jitter, from an initial delay doubling up to a maximum.</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _maximum;
    private TimeSpan _next;

    public Backoff(TimeSpan initial, TimeSpan maximum)
    {
        _initial = initial;
        _maximum = maximum;
        _next = initial;
    }

    /// <summary>The delay to wait now; the following one doubles.</summary>
    public TimeSpan Next()
    {
        var current = _next;
        _next = TimeSpan.FromTicks(Math.Min(_maximum.Ticks, current.Ticks * 2));

        // Up to 20% jitter so many pods that lost the API together do not return in step.
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var jitter = 1 + (Random.Shared.NextDouble() * 0.2);
#pragma warning restore CA5394
        return TimeSpan.FromTicks((long)(current.Ticks * jitter));
    }

    /// <summary>Back to the initial delay after a success.</summary>
    public void Reset() => _next = _initial;
}

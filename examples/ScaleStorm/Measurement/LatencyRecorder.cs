namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>
/// Collects query latencies (including the wait for a connection) from many workers.
/// Percentiles are exact: a storm of a minute records at most a few hundred thousand samples.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly Lock _lock = new();
    private readonly List<double> _milliseconds = [];

    public void Record(TimeSpan latency)
    {
        lock (_lock)
        {
            _milliseconds.Add(latency.TotalMilliseconds);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _milliseconds.Count;
            }
        }
    }

    /// <summary>The nearest-rank percentile in milliseconds; NaN when nothing was recorded.</summary>
    public double Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        double[] sorted;
        lock (_lock)
        {
            sorted = [.. _milliseconds];
        }

        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

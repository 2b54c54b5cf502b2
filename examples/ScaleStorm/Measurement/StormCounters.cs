namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>What the workers of all replicas count while a storm runs; thread-safe.</summary>
internal sealed class StormCounters
{
    private long _completed;
    private long _tooManyClients;
    private long _otherErrors;

    public LatencyRecorder Latency { get; } = new();

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Errors with SQLSTATE 53300: the server refused a connection.</summary>
    public long TooManyClients => Interlocked.Read(ref _tooManyClients);

    /// <summary>Any other failure (timeouts at a gate, broken connections).</summary>
    public long OtherErrors => Interlocked.Read(ref _otherErrors);

    public string? FirstOtherError { get; private set; }

    public void QueryCompleted(TimeSpan latency)
    {
        Interlocked.Increment(ref _completed);
        Latency.Record(latency);
    }

    public void RefusedByServer() => Interlocked.Increment(ref _tooManyClients);

    public void Failed(Exception exception)
    {
        if (Interlocked.Increment(ref _otherErrors) == 1)
        {
            FirstOtherError = exception.GetType().Name + ": " + exception.Message;
        }
    }
}

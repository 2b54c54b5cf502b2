namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>
/// What the workers of all replicas count while a storm runs; thread-safe. Nothing counts before
/// <see cref="StartRecording"/>: the warm-up (initial pods starting, first connections) is not measured.
/// </summary>
internal sealed class StormCounters
{
    private long _completed;
    private long _tooManyClients;
    private long _otherErrors;
    private volatile bool _recording;

    public LatencyRecorder Latency { get; } = new();

    public bool Recording => _recording;

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Errors with SQLSTATE 53300: the server refused a connection.</summary>
    public long TooManyClients => Interlocked.Read(ref _tooManyClients);

    /// <summary>Any other failure (timeouts at a gate, broken connections).</summary>
    public long OtherErrors => Interlocked.Read(ref _otherErrors);

    public string? FirstOtherError { get; private set; }

    public void StartRecording() => _recording = true;

    public void QueryCompleted(TimeSpan latency)
    {
        if (!_recording)
        {
            return;
        }

        Interlocked.Increment(ref _completed);
        Latency.Record(latency);
    }

    // Errors count during the warm-up too: a 53300 is never acceptable.
    public void RefusedByServer() => Interlocked.Increment(ref _tooManyClients);

    public void Failed(Exception exception)
    {
        if (Interlocked.Increment(ref _otherErrors) == 1)
        {
            FirstOtherError = exception.GetType().Name + ": " + exception.Message;
        }
    }
}

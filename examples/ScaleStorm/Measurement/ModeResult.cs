namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>What one run of one mode of the storm measured.</summary>
internal sealed record ModeResult(
    string Mode,
    int Available,
    TimeSpan Duration,
    long TooManyClients,
    long OtherErrors,
    string? FirstOtherError,
    int PeakConnections,
    double QueriesPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    IReadOnlyList<TimeSpan> ScaleToAcknowledged,
    IReadOnlyList<TimeSpan> FirstConnectionWaits,
    IReadOnlyList<ScaleStep> Steps,
    IReadOnlyList<ConnectionSample> Timeline)
{
    public bool StayedWithinBudget => PeakConnections <= Available;

    /// <summary>Mean server connections over the mean of min(available, demand): how much of what could be used was.</summary>
    public double Utilization => StormMetrics.Utilization(Timeline, Available);

    /// <summary>The lowest 100 ms mean of server connections while a scale step was under way, and its share of min(available, demand).</summary>
    public StepLow? LowestDuringStep => StormMetrics.LowestDuringSteps(Timeline, Steps, Duration, Available);
}

namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>What one mode of the storm measured.</summary>
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
    IReadOnlyList<(TimeSpan At, int Connections)> Timeline)
{
    public bool StayedWithinBudget => PeakConnections <= Available;
}

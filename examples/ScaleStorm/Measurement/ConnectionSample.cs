namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>
/// One look at the server: its client connections, and how many connections the replicas running
/// at that moment would use if nothing limited them (their workers).
/// </summary>
internal readonly record struct ConnectionSample(TimeSpan At, int Connections, int Demand);

/// <summary>An HPA decision the storm applied: when, and to how many replicas.</summary>
internal readonly record struct ScaleStep(TimeSpan At, int Replicas);

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>How the <see cref="WorkloadSimulator"/> plays the kubelet and the workload controllers.</summary>
public sealed class WorkloadSimulatorOptions
{
    /// <summary>How long a new pod stays Pending before it turns Running and Ready. Default 500 ms.</summary>
    public TimeSpan PendingDuration { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a deleted pod stays Terminating before the simulator removes it for good. Default 1 s.
    /// Zero deletes excess pods at once, without a Terminating phase.
    /// </summary>
    public TimeSpan TerminationGracePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The namespaces to simulate; null or empty means all namespaces.</summary>
    public IReadOnlyList<string>? Namespaces { get; set; }

    /// <summary>
    /// How often the simulator re-lists everything even when no watch event arrived: a safety net,
    /// watches are what make it react quickly. Default 5 s.
    /// </summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Images the local cluster runs as processes (<c>LocalKubernetesServer.ProcessImages</c>): pods with a
    /// container of one of them are still created and deleted by the controllers here, but started, reported and
    /// removed by the server's process kubelet, and deleted with their own terminationGracePeriodSeconds.
    /// </summary>
    public IReadOnlyCollection<string>? ProcessImages { get; set; }

    /// <summary>Throws when a setting is out of range, naming the setting.</summary>
    public void Validate()
    {
        if (PendingDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PendingDuration), PendingDuration, "PendingDuration must not be negative.");
        }

        if (TerminationGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TerminationGracePeriod), TerminationGracePeriod, "TerminationGracePeriod must not be negative.");
        }

        if (ResyncPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ResyncPeriod), ResyncPeriod, "ResyncPeriod must be positive.");
        }

        if (Namespaces is not null && Namespaces.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Namespaces must not contain empty names.", nameof(Namespaces));
        }
    }
}

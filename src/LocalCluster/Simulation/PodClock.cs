namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// Remembers, on the simulator's own clock, when it first saw each pod and when each pod began
/// terminating. Pending and grace periods are measured from these, not from server timestamps,
/// so the simulator's timing follows its injected <see cref="TimeProvider"/> alone.
/// Used from the simulator's single round loop only.
/// </summary>
internal sealed class PodClock(TimeProvider timeProvider)
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _terminating = new(StringComparer.Ordinal);

    // Workloads are tended in parallel within a round, so their pods' times are noted concurrently.
    private readonly Lock _gate = new();

    /// <summary>Now, on the simulator's clock.</summary>
    public DateTimeOffset Now => timeProvider.GetUtcNow();

    /// <summary>When the pod was first seen (or created); the first call records now.</summary>
    public DateTimeOffset SeenSince(string uid) => FirstOf(_seen, uid);

    /// <summary>When the pod was first seen terminating (or deleted); the first call records now.</summary>
    public DateTimeOffset TerminatingSince(string uid) => FirstOf(_terminating, uid);

    /// <summary>Forgets pods that no longer exist.</summary>
    public void Retain(IReadOnlySet<string> liveUids)
    {
        lock (_gate)
        {
            RetainLocked(liveUids);
        }
    }

    private void RetainLocked(IReadOnlySet<string> liveUids)
    {
        foreach (var uid in _seen.Keys.Where(u => !liveUids.Contains(u)).ToList())
        {
            _seen.Remove(uid);
        }

        foreach (var uid in _terminating.Keys.Where(u => !liveUids.Contains(u)).ToList())
        {
            _terminating.Remove(uid);
        }
    }

    private DateTimeOffset FirstOf(Dictionary<string, DateTimeOffset> times, string uid)
    {
        lock (_gate)
        {
            return FirstOfLocked(times, uid);
        }
    }

    private DateTimeOffset FirstOfLocked(Dictionary<string, DateTimeOffset> times, string uid)
    {
        if (!times.TryGetValue(uid, out var since))
        {
            since = Now;
            times[uid] = since;
        }

        return since;
    }
}

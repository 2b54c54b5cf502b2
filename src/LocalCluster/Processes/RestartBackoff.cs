namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The kubelet's crash-loop back-off for one container: the first restart is at once, then 10 s, 20 s,
/// 40 s ... doubling up to 5 minutes; a container that ran for 10 minutes before exiting starts over.
/// Pure: the caller says how long the container ran.
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan maximum)
{
    /// <summary>After this long running, the next exit is treated as the first again (the kubelet's value).</summary>
    public static readonly TimeSpan ResetAfter = TimeSpan.FromMinutes(10);

    private TimeSpan? _last;

    /// <summary>The kubelet's numbers: 10 s doubling to 300 s.</summary>
    public static RestartBackoff Kubelet() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    /// <summary>How long to wait before restarting a container that just exited after running <paramref name="ranFor"/>.</summary>
    public TimeSpan Next(TimeSpan ranFor)
    {
        if (ranFor >= ResetAfter)
        {
            _last = null;
        }

        var delay = _last is not { } last ? TimeSpan.Zero
            : last == TimeSpan.Zero ? initial
            : last * 2 > maximum ? maximum : last * 2;
        _last = delay;
        return delay;
    }
}

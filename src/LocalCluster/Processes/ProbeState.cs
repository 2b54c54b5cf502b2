namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The kubelet's threshold rule for one probe: the result flips to success after
/// <c>successThreshold</c> successes in a row and to failure after <c>failureThreshold</c> failures in
/// a row. Readiness starts failed, liveness starts successful. Pure.
/// </summary>
internal sealed class ProbeState(bool initiallySucceeding, int successThreshold, int failureThreshold)
{
    private int _successes;
    private int _failures;

    /// <summary>The current result.</summary>
    public bool Succeeding { get; private set; } = initiallySucceeding;

    /// <summary>Records one probe's outcome; true when the result flipped.</summary>
    public bool Record(bool success)
    {
        if (success)
        {
            _successes++;
            _failures = 0;
        }
        else
        {
            _failures++;
            _successes = 0;
        }

        var result = Succeeding;
        if (success && _successes >= Math.Max(1, successThreshold))
        {
            result = true;
        }
        else if (!success && _failures >= Math.Max(1, failureThreshold))
        {
            result = false;
        }

        var flipped = result != Succeeding;
        Succeeding = result;
        return flipped;
    }
}

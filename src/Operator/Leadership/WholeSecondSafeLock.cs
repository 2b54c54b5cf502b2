using k8s.LeaderElection;

namespace PoolOperator.Operator.Leadership;

/// <summary>
/// A Lease lock whose records never carry a time on an exact whole second. KubernetesClient writes such a
/// time without a fraction (<c>...:05Z</c>), and a Lease's <c>acquireTime</c> and <c>renewTime</c> are
/// <c>metav1.MicroTime</c>, which kube-apiserver parses with exactly six fractional digits: the write is refused
/// (400). The acquire time is carried into every renewal of a term, so one unlucky acquire would fail every renew
/// until the term is lost. Moving such a time by one microsecond keeps every write valid and costs nothing.
/// </summary>
internal sealed class WholeSecondSafeLock(ILock inner) : ILock
{
    private static readonly TimeSpan OneMicrosecond = TimeSpan.FromTicks(10);

    /// <inheritdoc />
    public string Identity => inner.Identity;

    /// <inheritdoc />
    public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => inner.GetAsync(cancellationToken);

    /// <inheritdoc />
    public Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
        inner.CreateAsync(OffWholeSeconds(record), cancellationToken);

    /// <inheritdoc />
    public Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default) =>
        inner.UpdateAsync(OffWholeSeconds(record), cancellationToken);

    /// <inheritdoc />
    public string Describe() => inner.Describe();

    /// <summary>
    /// The record with each time on an exact whole second moved one microsecond later, changed in place: the elector
    /// keeps the record it wrote as the one it observed, which must match the stored Lease.
    /// </summary>
    internal static LeaderElectionRecord OffWholeSeconds(LeaderElectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.AcquireTime = OffWholeSecond(record.AcquireTime);
        record.RenewTime = OffWholeSecond(record.RenewTime);
        return record;
    }

    private static DateTime? OffWholeSecond(DateTime? time) =>
        time is { } t && t.Ticks % TimeSpan.TicksPerSecond == 0 ? t + OneMicrosecond : time;
}

using PoolOperator.Api;

namespace PoolOperator.ClientAgent;

/// <summary>A limit to apply: from a grant (with the generation to acknowledge) or the startup fallback.</summary>
/// <param name="Limit">The limit.</param>
/// <param name="Generation">The grant's generation, to write as observedGeneration.</param>
/// <param name="IsFallback">Whether this is the fallback limit (nothing to acknowledge).</param>
/// <param name="AcknowledgedStatus">The grant's status as last seen, to skip writing an acknowledgement that is already there.</param>
internal sealed record GrantTarget(int Limit, long? Generation, bool IsFallback, ConnectionGrantStatus? AcknowledgedStatus)
{
    public static GrantTarget From(ConnectionGrant grant) =>
        new(Math.Max(0, grant.Spec.Limit), grant.Metadata.Generation, IsFallback: false, grant.Status);

    public static GrantTarget Fallback(int limit) => new(limit, Generation: null, IsFallback: true, AcknowledgedStatus: null);

    /// <summary>Whether applying <paramref name="other"/> would do what applying this does.</summary>
    public bool SameWorkAs(GrantTarget? other) =>
        other is not null && other.Limit == Limit && other.Generation == Generation && other.IsFallback == IsFallback;

    /// <summary>Whether the grant's status already acknowledges <paramref name="appliedLimit"/> for this generation.</summary>
    public bool IsAcknowledged(int appliedLimit) =>
        AcknowledgedStatus is { } status && status.AppliedLimit == appliedLimit && status.ObservedGeneration == Generation;
}

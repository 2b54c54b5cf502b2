namespace PoolOperator.Api.Protocol;

/// <summary>
/// What a pod may hold under one grant, computed from the grant object alone, so that every reader (the operator,
/// a restarted operator, a new leader, the simulation) gets the same number. See docs/protocol.md, "Holds".
/// </summary>
/// <remarks>
/// <para>An acknowledgement of the grant's current generation (<c>status.observedGeneration == metadata.generation</c>)
/// says: this agent has seen every limit issued so far, applies <c>appliedLimit</c> and holds no more. The pod then
/// holds <c>appliedLimit</c> (0 for an agent that released).</para>
/// <para>Without such an acknowledgement the agent may still be anywhere between the limits issued since its last
/// acknowledgement: the pod holds <c>max(spec.limit, spec.hold, status.appliedLimit)</c>, where <c>spec.hold</c> is
/// kept by the operator as the largest limit it issued that no acknowledgement has released.</para>
/// </remarks>
public static class GrantHolds
{
    /// <summary>What the pod of <paramref name="grant"/> may hold now; never negative.</summary>
    public static int Held(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return Held(grant.Metadata?.Generation, grant.Spec.Limit, grant.Spec.Hold, grant.Status?.ObservedGeneration, grant.Status?.AppliedLimit);
    }

    /// <summary>What a pod may hold, from the grant's fields.</summary>
    /// <param name="generation">metadata.generation; null for a grant not yet stored (holds its limit).</param>
    /// <param name="limit">spec.limit.</param>
    /// <param name="hold">spec.hold; null when never written.</param>
    /// <param name="observedGeneration">status.observedGeneration; null when the agent never wrote.</param>
    /// <param name="appliedLimit">status.appliedLimit; null when the agent never wrote.</param>
    public static int Held(long? generation, int limit, int? hold, long? observedGeneration, int? appliedLimit)
    {
        var applied = Math.Max(0, appliedLimit ?? 0);
        if (generation is { } g && observedGeneration is { } observed && observed >= g)
        {
            return applied;
        }

        return Math.Max(Math.Max(0, limit), Math.Max(Math.Max(0, hold ?? 0), applied));
    }

    /// <summary>True when the agent acknowledged the grant's current generation.</summary>
    public static bool IsAcknowledged(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return grant.Metadata?.Generation is { } g && grant.Status?.ObservedGeneration is { } observed && observed >= g;
    }

    /// <summary>
    /// The <c>spec.hold</c> to write together with a new limit: the new limit, or what the pod may hold now if that is
    /// more (an unacknowledged raise keeps counting after a shrink written on top of it).
    /// </summary>
    public static int HoldWith(ConnectionGrant current, int newLimit)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentOutOfRangeException.ThrowIfNegative(newLimit);
        return Math.Max(newLimit, Held(current));
    }
}

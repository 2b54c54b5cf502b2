namespace PoolOperator.Operator.Planning;

/// <summary>A pod's ConnectionGrant as read from the API.</summary>
/// <param name="Limit">spec.limit, the operator's grant; null when the pod has no grant yet.</param>
/// <param name="AppliedLimit">status.appliedLimit, the agent's acknowledgement; null when not acknowledged.</param>
public readonly record struct GrantState(int? Limit, int? AppliedLimit)
{
    /// <summary>
    /// What the pod may hold now: <c>max(limit, appliedLimit)</c>, where a grant the agent has not
    /// acknowledged counts with its limit and a pod without a grant holds nothing.
    /// Negative values (never written by the operator) count as 0.
    /// </summary>
    public long Held => Math.Max(0, Math.Max(Limit ?? 0, AppliedLimit ?? 0));
}

namespace PoolOperator.Operator.Planning;

/// <summary>What <see cref="GrantPlanner.Plan"/> decided for one reconcile.</summary>
/// <param name="Limits">The spec.limit to hold for every pod with a target (new grants included, possibly 0).</param>
/// <param name="Create">Pods that have no grant yet: create one with the limit from <paramref name="Limits"/>. Ordinal order.</param>
/// <param name="Update">Pods whose existing grant's limit changes. Ordinal order.</param>
/// <param name="Delete">Pods that have a grant but no target (the pod is gone or no longer budgeted). Ordinal order.</param>
/// <param name="Held">Sum over the pods with a target of <c>max(limit, appliedLimit)</c> before the plan.</param>
/// <param name="Free">Capacity still free after the plan's grows (negative when <paramref name="OverBudget"/>).</param>
/// <param name="OverBudget">The state before the plan broke the invariant (e.g. the capacity dropped): the plan only shrinks.</param>
/// <param name="Settled">Every pod with a target already holds a grant at its target, acknowledged by its agent.</param>
public sealed record GrantPlan(
    IReadOnlyDictionary<string, int> Limits,
    IReadOnlyList<string> Create,
    IReadOnlyList<string> Update,
    IReadOnlyList<string> Delete,
    long Held,
    long Free,
    bool OverBudget,
    bool Settled)
{
    /// <summary>True when the plan writes nothing.</summary>
    public bool IsEmpty => Create.Count == 0 && Update.Count == 0 && Delete.Count == 0;
}

namespace PoolOperator.Operator.Planning;

/// <summary>One grant write: the new spec.limit and the spec.hold to write with it.</summary>
/// <param name="PodUid">The pod the grant is bound to.</param>
/// <param name="Limit">The new spec.limit.</param>
/// <param name="Hold">The new spec.hold (<see cref="Api.Protocol.GrantHolds.HoldWith"/>): never below what the pod may hold now.</param>
public sealed record GrantWrite(string PodUid, int Limit, int Hold);

/// <summary>Why a grant is deleted.</summary>
public enum DeleteReason
{
    /// <summary>Its pod is not in the operator's view: the writer confirms with a live read before deleting.</summary>
    PodGone,

    /// <summary>Its pod holds nothing (acknowledged 0, or never issued more) and gets no grant any more.</summary>
    Released,
}

/// <summary>A grant to delete (or, when it is marked for deletion already, to release).</summary>
/// <param name="PodUid">The pod the grant is bound to.</param>
/// <param name="Reason">Why: a gone pod must be confirmed first.</param>
/// <param name="ReleasesHold">
/// The pod holds nothing (acknowledged 0, or known to have stopped): the writer removes the hold finalizer too, so the
/// grant goes. Otherwise the delete only marks the grant, which stays counted until its agent releases.
/// </param>
public sealed record GrantDelete(string PodUid, DeleteReason Reason, bool ReleasesHold = false);

/// <summary>What <see cref="GrantPlanner.Plan"/> decided for one reconcile, in the order the writes go out.</summary>
/// <param name="Deletes">Grants to delete (pod gone, or released and without a target). Ordinal by pod UID.</param>
/// <param name="Creates">Pods of the workloads that get a grant at limit 0. Ordinal by pod UID.</param>
/// <param name="Shrinks">Lowered limits, written before any raise. Ordinal by pod UID.</param>
/// <param name="Raises">Raised limits, each paid from free capacity. In the order they were granted.</param>
/// <param name="Targets">The target each pod with a slot is moved towards (after damping), by pod UID.</param>
/// <param name="Held">Sum over every grant of the budget of what its pod may hold, before the plan.</param>
/// <param name="Free">Capacity still free after the plan's raises (negative when <paramref name="OverBudget"/>).</param>
/// <param name="OverBudget">The holds before the plan exceeded the capacity (e.g. it dropped): the plan only shrinks.</param>
/// <param name="Settled">Every pod with a slot holds exactly its target, acknowledged, and nothing else is to be written.</param>
/// <param name="RaisesWithheld">Some pod is below its target and raises were not allowed this time.</param>
public sealed record GrantPlan(
    IReadOnlyList<GrantDelete> Deletes,
    IReadOnlyList<string> Creates,
    IReadOnlyList<GrantWrite> Shrinks,
    IReadOnlyList<GrantWrite> Raises,
    IReadOnlyDictionary<string, int> Targets,
    long Held,
    long Free,
    bool OverBudget,
    bool Settled,
    bool RaisesWithheld)
{
    /// <summary>
    /// Pods gone from the API (by UID) whose grants still hold connections their agents never released: counted until
    /// released. Ordinal.
    /// </summary>
    public IReadOnlyList<string> HeldByGonePods { get; init; } = [];

    /// <summary>True when the plan writes nothing.</summary>
    public bool IsEmpty => Deletes.Count == 0 && Creates.Count == 0 && Shrinks.Count == 0 && Raises.Count == 0;

    /// <summary>Number of writes.</summary>
    public int Writes => Deletes.Count + Creates.Count + Shrinks.Count + Raises.Count;
}

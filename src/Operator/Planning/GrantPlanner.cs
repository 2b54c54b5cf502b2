using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.Operator.Planning;

/// <summary>Everything one plan reads.</summary>
/// <param name="Available">The budget's capacity, at least 0.</param>
/// <param name="Grants">Every grant of the budget, whatever its pod: with a target, without, gone or unknown.</param>
/// <param name="Pods">The pods known to exist that the budget cares about: its workloads' pods and the pods of its grants.</param>
/// <param name="RaisesAllowed">False while the server limits are stale or drift is reported (the fence is the writer's: BudgetUpdate).</param>
/// <param name="StoppedPods">
/// UIDs of pods known to run no process any more (seen in phase Succeeded or Failed, or being deleted with every
/// container terminated): their grants hold nothing, whatever the grant says. Evidence only relaxes: a pod not in
/// this set (an operator that restarted and never saw it stop) is counted at its grant's hold.
/// </param>
public sealed record PlannerInput(
    int Available,
    IReadOnlyList<ConnectionGrant> Grants,
    IReadOnlyList<PlannedPod> Pods,
    bool RaisesAllowed = true,
    IReadOnlySet<string>? StoppedPods = null);

/// <summary>
/// Moves the grants towards their targets without ever breaking the invariant
/// <c>sum over every grant of the budget of GrantHolds.Held &lt;= available</c>. Pure: no I/O, no clock; the state is
/// read from the grant objects every time, so a restarted operator or a new leader plans the same.
/// See docs/protocol.md, "What the operator does".
/// </summary>
/// <remarks>
/// <para><b>Delete</b> a grant only when its pod (by UID) is not known to exist (the writer confirms with a live
/// read), or when its pod gets no grant any more (Terminating, outside the workloads) and holds nothing.</para>
/// <para><b>Release</b>: every grant carries <see cref="ApiGroup.HoldFinalizer"/>, so a deleted grant (by this
/// operator, the garbage collector after a force-deleted pod, or a person) stays, marked for deletion and counted,
/// until its pod holds nothing: its agent acknowledged 0, or the pod is known to have stopped. Then the finalizer is
/// removed (<see cref="GrantDelete.ReleasesHold"/>). A grant marked for deletion is never written otherwise.</para>
/// <para><b>Create</b> a grant at limit 0 for every pod of the workloads that has none, unless a grant of the same
/// name (an earlier pod of that name) still exists: it goes first.</para>
/// <para><b>Shrink first.</b> A limit above the pod's target is lowered at once (a pod without a slot targets 0; a
/// pod outside the workloads keeps its limit). A grant acknowledged at its generation with an appliedLimit below its
/// limit (an agent restarted and enforces less) is lowered to the appliedLimit, so the next raise is a new
/// generation the agent applies. Every write carries <c>spec.hold = GrantHolds.HoldWith</c>.</para>
/// <para><b>Grow only from free capacity.</b> <c>free = available - sum of held over every grant</c>, before this
/// plan: a shrink frees nothing until acknowledged. Pods below their target are raised, largest deficit (target
/// minus held) first, then pod name (ordinal); a raise costs what it adds above what the pod holds anyway. A pod
/// written by a shrink in this plan is not raised in it. No raise when the holds exceed the capacity or raises are
/// not allowed.</para>
/// <para><b>Damping</b>: see <see cref="GrantDamping"/>.</para>
/// </remarks>
public static class GrantPlanner
{
    /// <summary>Plans one reconcile's grant writes.</summary>
    /// <exception cref="ArgumentException">A negative capacity or target; the message names it.</exception>
    public static GrantPlan Plan(PlannerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(input.Available, nameof(input.Available));
        var pods = new Dictionary<string, PlannedPod>(StringComparer.Ordinal);
        foreach (var pod in input.Pods)
        {
            if (pod.Target is < 0)
            {
                throw new ArgumentException($"The target of pod '{pod.Name}' must be at least 0 (is {pod.Target}).", nameof(input));
            }

            pods[pod.Uid] = pod;
        }

        var stopped = input.StoppedPods ?? new HashSet<string>(StringComparer.Ordinal);
        int HeldBy(ConnectionGrant grant) => stopped.Contains(GrantIdentity.PodUid(grant)) ? 0 : GrantHolds.Held(grant);

        var grants = new Dictionary<string, ConnectionGrant>(StringComparer.Ordinal);
        var releasing = new List<ConnectionGrant>();
        var namesTaken = new HashSet<string>(StringComparer.Ordinal);
        long held = 0;
        foreach (var grant in input.Grants.OrderBy(GrantIdentity.PodUid, StringComparer.Ordinal))
        {
            var uid = GrantIdentity.PodUid(grant);
            held += HeldBy(grant);
            namesTaken.Add(GrantIdentity.PodName(grant));
            if (grant.Metadata?.DeletionTimestamp is not null)
            {
                // Marked for deletion: counted until released, never written otherwise; the pod gets a new grant
                // (of the same name) only after this one is gone.
                releasing.Add(grant);
                continue;
            }

            // A second grant bound to one UID (never written by the operator) is counted, never touched.
            grants.TryAdd(uid, grant);
        }

        var currentLimits = pods.Values
            .Where(p => p.Target is not null && grants.ContainsKey(p.Uid))
            .ToDictionary(p => p.Uid, p => Math.Max(0, grants[p.Uid].Spec.Limit), StringComparer.Ordinal);
        var slotTargets = pods.Values.Where(p => p.Target is not null).ToDictionary(p => p.Uid, p => p.Target!.Value, StringComparer.Ordinal);
        var targets = GrantDamping.Damp(slotTargets, currentLimits);

        var deletes = new List<GrantDelete>();
        var heldByGonePods = new List<string>();
        foreach (var grant in releasing)
        {
            var uid = GrantIdentity.PodUid(grant);
            if (HeldBy(grant) == 0)
            {
                deletes.Add(new GrantDelete(uid, DeleteReason.Released, ReleasesHold: true));
            }
            else if (!pods.ContainsKey(uid))
            {
                heldByGonePods.Add(uid);
            }
        }

        var shrinks = new List<GrantWrite>();
        var limits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (uid, grant) in grants)
        {
            if (uid.Length == 0)
            {
                continue;
            }

            if (!pods.TryGetValue(uid, out var pod))
            {
                // The delete marks the grant (its agent, if it still runs, releases); the hold goes only with it.
                var goneHolds = HeldBy(grant) > 0;
                deletes.Add(new GrantDelete(uid, DeleteReason.PodGone, ReleasesHold: !goneHolds));
                if (goneHolds)
                {
                    heldByGonePods.Add(uid);
                }

                continue;
            }

            if (stopped.Contains(uid))
            {
                // The pod runs no process: nothing is held, whatever the grant says.
                deletes.Add(new GrantDelete(uid, DeleteReason.Released, ReleasesHold: true));
                continue;
            }

            var limit = Math.Max(0, grant.Spec.Limit);
            var ceiling = pod.Target is not null ? targets[uid] : pod.Standing == PodStanding.OutsideWorkloads ? limit : 0;
            var next = limit;
            if (GrantHolds.IsAcknowledged(grant) && (grant.Status?.AppliedLimit ?? 0) < next)
            {
                // The agent enforces less than the limit (a restarted process): lower the limit to what it enforces,
                // so that the next raise is a new generation it applies.
                next = Math.Max(0, grant.Status?.AppliedLimit ?? 0);
            }

            next = Math.Min(next, ceiling);
            limits[uid] = next;
            if (next < limit)
            {
                shrinks.Add(new GrantWrite(uid, next, GrantHolds.HoldWith(grant, next)));
            }
            else if (pod.Standing != PodStanding.InWorkloads && limit == 0 && GrantHolds.Held(grant) == 0)
            {
                deletes.Add(new GrantDelete(uid, DeleteReason.Released, ReleasesHold: true));
            }
        }

        var creates = pods.Values
            .Where(p => p.Standing == PodStanding.InWorkloads && !grants.ContainsKey(p.Uid) && !namesTaken.Contains(p.Name))
            .Select(p => p.Uid)
            .Order(StringComparer.Ordinal)
            .ToList();

        var free = input.Available - held;
        var overBudget = free < 0;
        var shrunk = shrinks.Select(s => s.PodUid).ToHashSet(StringComparer.Ordinal);
        var wanting = targets
            .Where(t => grants.ContainsKey(t.Key) && !shrunk.Contains(t.Key) && limits[t.Key] < t.Value)
            .Select(t => (Uid: t.Key, Target: t.Value, Held: GrantHolds.Held(grants[t.Key])))
            .OrderByDescending(x => x.Target - x.Held)
            .ThenBy(x => pods[x.Uid].Name, StringComparer.Ordinal)
            .ThenBy(x => x.Uid, StringComparer.Ordinal)
            .ToList();
        var raises = new List<GrantWrite>();
        var withheld = wanting.Count > 0 && !input.RaisesAllowed;
        if (!overBudget && input.RaisesAllowed)
        {
            foreach (var (uid, target, podHeld) in wanting)
            {
                // Up to what the pod may hold anyway the raise costs nothing.
                var costFree = Math.Min(target, podHeld);
                var bought = (int)Math.Min(target - costFree, free);
                var next = Math.Max(limits[uid], costFree + bought);
                if (next > limits[uid])
                {
                    free -= bought;
                    limits[uid] = next;
                    raises.Add(new GrantWrite(uid, next, GrantHolds.HoldWith(grants[uid], next)));
                }
            }
        }

        var settled = deletes.Count == 0 && creates.Count == 0 && shrinks.Count == 0 && raises.Count == 0
            && targets.All(t => grants.TryGetValue(t.Key, out var g) && g.Spec.Limit == t.Value
                && GrantHolds.IsAcknowledged(g) && g.Status?.AppliedLimit == t.Value);
        deletes.Sort((a, b) => StringComparer.Ordinal.Compare(a.PodUid, b.PodUid));
        heldByGonePods.Sort(StringComparer.Ordinal);
        return new GrantPlan(deletes, creates, shrinks, raises, targets, held, free, overBudget, settled, withheld) { HeldByGonePods = heldByGonePods };
    }
}

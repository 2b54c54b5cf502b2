using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;
using PoolOperator.Operator.Allocation;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Budgets;

/// <summary>What one reconcile decided: the division, the writes, and what the status reports beside them.</summary>
/// <param name="Allocation">The allocator's division among the pods with a slot.</param>
/// <param name="Plan">The grant writes.</param>
/// <param name="Pods">Every pod the plan considered, by UID.</param>
/// <param name="HeldOutsideWorkloads">Pods with a grant of the budget that are not in its workloads, by name (ordinal).</param>
public sealed record BudgetDecisionResult(
    AllocationResult Allocation,
    GrantPlan Plan,
    IReadOnlyDictionary<string, PlannedPod> Pods,
    IReadOnlyList<string> HeldOutsideWorkloads)
{
    /// <summary>Pods gone from the API whose grants still hold connections never released, by name (ordinal).</summary>
    public IReadOnlyList<string> HeldByGonePods { get; init; } = [];
}

/// <summary>
/// The decision of one reconcile, from a snapshot to a plan: which pods have a slot, the allocation, and the grant
/// plan. Pure (no I/O, no clock), so the adversarial simulation runs exactly this code.
/// </summary>
/// <remarks>
/// <para><b>Slots follow arrivals.</b> A pod of the budget's workloads has a slot when its grant (bound to its UID)
/// shows phase Waiting or Active and the pod is not Terminating. A pod whose agent is not up yet, or stopped, or
/// whose pod is being deleted, targets 0, and the running pods keep their shares meanwhile.</para>
/// <para><b>Pods outside the workloads</b> that still have a grant are kept counted at what they hold, never
/// raised, and reported.</para>
/// </remarks>
public static class BudgetDecision
{
    /// <summary>Decides one reconcile.</summary>
    /// <param name="snapshot">What was gathered.</param>
    /// <param name="available">The capacity, at least 0.</param>
    /// <param name="raisesAllowed">False while the server limits are stale or drift is reported (the fence is the writer's: BudgetUpdate).</param>
    public static BudgetDecisionResult Decide(BudgetSnapshot snapshot, int available, bool raisesAllowed)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var grants = snapshot.GrantsByPodUid();
        var planned = new Dictionary<string, PlannedPod>(StringComparer.Ordinal);
        var demands = new List<WorkloadDemand>(snapshot.Workloads.Count);
        var slotted = new List<(string Uid, string Name)>();
        foreach (var workload in snapshot.Workloads)
        {
            var live = new List<LivePod>();
            foreach (var pod in workload.Pods)
            {
                var uid = pod.Metadata.Uid ?? "";
                if (uid.Length == 0 || planned.ContainsKey(uid))
                {
                    continue;
                }

                var terminating = pod.Metadata.DeletionTimestamp is not null;
                var hasSlot = !terminating && grants.TryGetValue(uid, out var grant) && AgentUp(grant);
                planned[uid] = new PlannedPod(uid, pod.Metadata.Name, terminating ? PodStanding.Terminating : PodStanding.InWorkloads, null);
                if (hasSlot)
                {
                    live.Add(new LivePod(pod.Metadata.Name, BudgetResources.Phase(pod)));
                    slotted.Add((uid, pod.Metadata.Name));
                }
            }

            var spec = workload.Spec;
            demands.Add(new WorkloadDemand(spec.Kind, spec.Name, spec.Weight, spec.MinPerReplica, spec.MaxPerReplica, workload.DesiredReplicas, workload.HpaMaxReplicas, live));
        }

        var allocation = ConnectionAllocator.Allocate(available, demands);
        foreach (var (uid, name) in slotted)
        {
            planned[uid] = planned[uid] with { Target = allocation.Targets[name] };
        }

        var outside = new List<string>();
        foreach (var (uid, grant) in grants)
        {
            if (!planned.ContainsKey(uid) && snapshot.PodsByUid.TryGetValue(uid, out var pod))
            {
                planned[uid] = new PlannedPod(uid, pod.Metadata.Name, PodStanding.OutsideWorkloads, null);
                if (GrantHolds.Held(grant) > 0)
                {
                    outside.Add(pod.Metadata.Name);
                }
            }
        }

        var plan = GrantPlanner.Plan(new PlannerInput(available, snapshot.Grants, [.. planned.Values], raisesAllowed, snapshot.StoppedPods));
        outside.Sort(StringComparer.Ordinal);
        var gone = plan.HeldByGonePods
            .Select(uid => GrantIdentity.PodName(grants[uid]))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new BudgetDecisionResult(allocation, plan, planned, outside) { HeldByGonePods = gone };
    }

    /// <summary>True when the grant's agent said it is up: phase Waiting or Active.</summary>
    public static bool AgentUp(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return grant.Status?.Phase is GrantPhases.Waiting or GrantPhases.Active;
    }

    /// <summary>True when <paramref name="pod"/> may still hold connections as the pod the grant is bound to.</summary>
    public static bool IsSamePodAlive(V1Pod? pod, string podUid) =>
        pod is not null && string.Equals(pod.Metadata?.Uid, podUid, StringComparison.Ordinal) && BudgetResources.MayHoldConnections(pod);
}

using PoolOperator.Api;
using PoolOperator.Api.Protocol;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

/// <summary>
/// Properties of the planner over random grants, pods and targets (seeded, so a failure names its case): the
/// invariant after every plan's writes, holds never lost, writes only where the rules allow, and convergence with
/// damping. The adversarial interleavings are tests/PoolOperator.Protocol.Tests.
/// </summary>
public sealed class GrantPlannerProperties
{
    private const int Cases = 5000;

    [Fact]
    public void After_a_plans_writes_the_holds_still_fit_and_no_hold_is_lost()
    {
        for (var seed = 1; seed <= Cases; seed++)
        {
            var (available, grants, pods) = RandomCase(new Random(seed));
            var before = grants.Sum(GrantHolds.Held);
            var plan = GrantPlanner.Plan(new PlannerInput(available, grants, pods));
            var after = Apply(grants, plan);
            var heldAfter = after.Sum(GrantHolds.Held);
            var context = $"case {seed}: available {available}, held {before} -> {heldAfter}";

            Assert.True(before > available ? heldAfter <= before && plan.Raises.Count == 0 : heldAfter <= available, context);
            foreach (var write in plan.Shrinks.Concat(plan.Raises))
            {
                var grant = grants.Single(g => g.Spec.PodUid == write.PodUid);
                Assert.True(write.Hold >= GrantHolds.Held(grant) && write.Hold >= write.Limit, $"{context}: {write} lost the hold {GrantHolds.Held(grant)}");
            }

            foreach (var raise in plan.Raises)
            {
                var pod = pods.Single(p => p.Uid == raise.PodUid);
                Assert.True(pod.Target is { } t && raise.Limit <= t + GrantDamping.Margin, $"{context}: {raise} is not towards a target");
            }

            foreach (var delete in plan.Deletes)
            {
                var grant = grants.Single(g => g.Spec.PodUid == delete.PodUid);
                Assert.True(delete.Reason == DeleteReason.PodGone ? pods.All(p => p.Uid != delete.PodUid) : GrantHolds.Held(grant) == 0, $"{context}: {delete}");
            }
        }
    }

    [Fact]
    public void With_every_agent_acknowledging_the_damped_targets_are_reached_and_stay()
    {
        for (var seed = 1; seed <= Cases; seed++)
        {
            var random = new Random(seed);
            var (available, grants, pods) = RandomCase(random);

            // Pods outside the workloads keep what they hold, so targets are reachable only once they leave.
            pods = [.. pods.Select(p => p.Standing == PodStanding.OutsideWorkloads ? p with { Standing = PodStanding.Terminating } : p)];
            var current = grants.Select(g => Acknowledge(g)).ToList();
            GrantPlan plan = null!;
            for (var round = 0; round < 6; round++)
            {
                plan = GrantPlanner.Plan(new PlannerInput(available, current, pods));
                current = [.. Apply(current, plan).Select(Acknowledge)];
            }

            Assert.True(plan.IsEmpty, $"case {seed}: still writing after 6 rounds");
            foreach (var (uid, target) in plan.Targets)
            {
                var grant = current.Single(g => g.Spec.PodUid == uid);
                Assert.True(grant.Spec.Limit == target && Math.Abs(target - pods.Single(p => p.Uid == uid).Target!.Value) <= GrantDamping.Margin, $"case {seed}: {uid} at {grant.Spec.Limit}, target {target}");
            }

            Assert.True(current.Sum(GrantHolds.Held) <= available || grants.Sum(GrantHolds.Held) > available, $"case {seed}");
        }
    }

    private static (int Available, List<ConnectionGrant> Grants, List<PlannedPod> Pods) RandomCase(Random random)
    {
        var available = random.Next(0, 41);
        var count = random.Next(1, 7);
        var grants = new List<ConnectionGrant>();
        var pods = new List<PlannedPod>();
        var slots = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var uid = "p" + i;
            var kind = random.Next(6);
            var hasGrant = kind != 0 || random.Next(2) == 0;
            if (hasGrant)
            {
                var generation = random.Next(1, 5);
                var limit = random.Next(0, 15);
                var hold = limit + (random.Next(3) == 0 ? random.Next(0, 6) : 0);
                var acknowledged = random.Next(2) == 0;
                var applied = random.Next(0, hold + 1);
                var phase = random.Next(4) switch { 0 => GrantPhases.Waiting, 3 => GrantPhases.Released, _ => GrantPhases.Active };
                grants.Add(PlannerCases.Grant(uid, limit, hold, generation, random.Next(5) == 0 ? null : (phase, applied, acknowledged ? generation : generation - 1)));
            }

            switch (kind)
            {
                case 0: // gone
                    break;
                case 1:
                    pods.Add(PlannerCases.NoSlot(uid, PodStanding.Terminating));
                    break;
                case 2:
                    pods.Add(PlannerCases.NoSlot(uid, PodStanding.OutsideWorkloads));
                    break;
                case 3:
                    pods.Add(PlannerCases.NoSlot(uid));
                    break;
                default:
                    if (hasGrant)
                    {
                        slots.Add(uid);
                    }
                    else
                    {
                        pods.Add(PlannerCases.NoSlot(uid));
                    }

                    break;
            }
        }

        // Targets as an allocator would give: they sum to at most the capacity.
        var left = available;
        foreach (var uid in slots)
        {
            var target = random.Next(0, left / Math.Max(1, slots.Count) + 2);
            target = Math.Min(target, left);
            left -= target;
            pods.Add(PlannerCases.Slot(uid, target));
        }

        if (grants.Count > 0 && grants.Sum(GrantHolds.Held) > available && random.Next(3) > 0)
        {
            // Mostly start within the invariant (the over-budget case is covered by a third of the cases).
            available = (int)Math.Min(int.MaxValue, grants.Sum(GrantHolds.Held) + random.Next(0, 5));
        }

        return (available, grants, pods);
    }

    /// <summary>The writes as the API applies them: a changed spec is a new generation.</summary>
    private static List<ConnectionGrant> Apply(List<ConnectionGrant> grants, GrantPlan plan)
    {
        var result = new List<ConnectionGrant>();
        var deleted = plan.Deletes.Select(d => d.PodUid).ToHashSet(StringComparer.Ordinal);
        foreach (var grant in grants.Where(g => !deleted.Contains(g.Spec.PodUid)))
        {
            var write = plan.Shrinks.Concat(plan.Raises).For(grant.Spec.PodUid);
            if (write is null || (write.Limit == grant.Spec.Limit && write.Hold == grant.Spec.Hold))
            {
                result.Add(grant);
                continue;
            }

            var copy = PlannerCases.Grant(grant.Spec.PodUid, write.Limit, write.Hold, (grant.Metadata.Generation ?? 1) + 1);
            copy.Spec.PodName = grant.Spec.PodName;
            copy.Status = grant.Status;
            result.Add(copy);
        }

        result.AddRange(plan.Creates.Select(uid => PlannerCases.Grant(uid, 0, 0, 1)));
        return result;
    }

    /// <summary>The agent acknowledges the current generation with its limit (phase Active, or Waiting at 0).</summary>
    private static ConnectionGrant Acknowledge(ConnectionGrant grant)
    {
        var copy = PlannerCases.Grant(grant.Spec.PodUid, grant.Spec.Limit, grant.Spec.Hold, grant.Metadata.Generation ?? 1,
            (grant.Spec.Limit == 0 ? GrantPhases.Waiting : GrantPhases.Active, grant.Spec.Limit, grant.Metadata.Generation ?? 1));
        copy.Spec.PodName = grant.Spec.PodName;
        return copy;
    }
}

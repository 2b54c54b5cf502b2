using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PoolOperator.Operator.Allocation;

namespace PoolOperator.Operator.Tests.Allocation;

public sealed class ConnectionAllocatorProperties
{
    [Property(MaxTest = 2000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool The_targets_and_the_slot_shares_never_exceed_the_available(AllocationCase c)
    {
        var result = ConnectionAllocator.Allocate(c.Available, c.Workloads);

        var podSum = result.Targets.Values.Sum(t => (long)t);
        return result.Allocated <= c.Available
            && podSum <= result.Allocated
            && result.Workloads.Sum(w => w.SlotTotal) == result.Allocated
            && result.Targets.Count == c.Workloads.Sum(w => w.Pods.Count)
            && result.Targets.Values.All(t => t >= 0);
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool Within_a_workload_targets_differ_by_at_most_one(AllocationCase c)
    {
        var result = ConnectionAllocator.Allocate(c.Available, c.Workloads);

        return c.Workloads.Where(w => w.Pods.Count > 0).All(w =>
        {
            var targets = w.Pods.Select(p => result.Targets[p.Name]).ToList();
            var row = result.Workloads.Single(r => r.Kind == w.Kind && r.Name == w.Name);
            return targets.Max() - targets.Min() <= 1 && row.PerReplica == targets.Min();
        });
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool Targets_stay_within_min_and_max_unless_overcommitted(AllocationCase c)
    {
        var result = ConnectionAllocator.Allocate(c.Available, c.Workloads);
        var minimums = c.Workloads.Sum(w => (decimal)w.Slots * w.MinPerReplica);

        return result.Overcommitted == (minimums > c.Available)
            && c.Workloads.All(w => w.Pods.All(p =>
            {
                var t = result.Targets[p.Name];
                return result.Overcommitted
                    ? t <= w.MinPerReplica
                    : t >= w.MinPerReplica && t <= (w.MaxPerReplica ?? int.MaxValue);
            }));
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool An_overcommitted_budget_hands_out_all_of_it(AllocationCase c)
    {
        var result = ConnectionAllocator.Allocate(c.Available, c.Workloads);

        return !result.Overcommitted || result.Allocated == c.Available;
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool The_starvation_flag_matches_the_share_at_max_scale(AllocationCase c)
    {
        var result = ConnectionAllocator.Allocate(c.Available, c.Workloads);

        return c.Workloads.All(w =>
        {
            var row = result.Workloads.Single(r => r.Kind == w.Kind && r.Name == w.Name);
            var slotsAtMax = w.HpaMaxReplicas ?? w.Slots;
            return row.StarvedAtMaxScale == (slotsAtMax > 0 && row.PerReplicaAtMaxScale < w.MinPerReplica)
                && row.PerReplicaAtMaxScale >= 0
                && (long)row.PerReplicaAtMaxScale * slotsAtMax <= c.Available;
        });
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(AllocationArbitraries)])]
    public bool The_result_does_not_depend_on_the_input_order((AllocationCase Case, AllocationCase Shuffled) pair)
    {
        var a = ConnectionAllocator.Allocate(pair.Case.Available, pair.Case.Workloads);
        var b = ConnectionAllocator.Allocate(pair.Shuffled.Available, pair.Shuffled.Workloads);

        return a.Targets.Count == b.Targets.Count
            && a.Targets.All(t => b.Targets[t.Key] == t.Value)
            && a.Workloads.SequenceEqual(b.Workloads)
            && a.Overcommitted == b.Overcommitted
            && a.Allocated == b.Allocated;
    }

    [Property(MaxTest = 1000, Arbitrary = [typeof(AllocationArbitraries)])]
    public void Any_valid_input_is_divided_without_throwing(AllocationCase c)
    {
        Assert.Empty(ConnectionAllocator.Validate(c.Available, c.Workloads));
        _ = ConnectionAllocator.Allocate(c.Available, c.Workloads);
    }
}

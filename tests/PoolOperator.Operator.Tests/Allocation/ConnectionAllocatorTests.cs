using PoolOperator.Operator.Allocation;

namespace PoolOperator.Operator.Tests.Allocation;

public sealed class ConnectionAllocatorTests
{
    [Fact]
    public void The_card_case_splits_90_evenly_over_three_pods()
    {
        var result = ConnectionAllocator.Allocate(100 - 10, [Deployment("api", pods: Pods("a", "b", "c"))]);

        Assert.Equal([30, 30, 30], Targets(result, "a", "b", "c"));
        Assert.False(result.Overcommitted);
        Assert.Equal(30, result.Workloads[0].PerReplica);
    }

    [Fact]
    public void Over_four_pods_the_first_two_by_name_get_the_extra_connection()
    {
        var result = ConnectionAllocator.Allocate(90, [Deployment("api", pods: Pods("d", "b", "c", "a"))]);

        Assert.Equal([23, 23, 22, 22], Targets(result, "a", "b", "c", "d"));
        Assert.Equal(22, result.Workloads[0].PerReplica);
        Assert.Equal(90, result.Allocated);
    }

    [Fact]
    public void A_terminating_pod_passed_in_gets_the_extra_connection_last()
    {
        // The decision passes no Terminating pod (it targets 0); the allocator still orders them last if given one.
        var pods = new[] { Pod("a", LivePodPhase.Terminating), Pod("b"), Pod("c", LivePodPhase.Pending), Pod("d") };

        var result = ConnectionAllocator.Allocate(90, [Deployment("api", desired: 3, pods: pods)]);

        Assert.Equal(4, result.Workloads[0].Slots);
        Assert.Equal([22, 23, 23, 22], Targets(result, "a", "b", "c", "d"));
    }

    [Fact]
    public void Equal_prices_of_the_leftover_go_to_the_workload_first_by_kind_and_name()
    {
        // Level 22.5: heavy 45, light 22 + 22 = 89; the 90th costs 46/2 = 23/1 for both, and "heavy" sorts first.
        var result = ConnectionAllocator.Allocate(90, [
            Deployment("light", weight: 1, pods: Pods("l1", "l2")),
            Deployment("heavy", weight: 2, pods: Pods("h1")),
        ]);

        Assert.Equal([46, 22, 22], Targets(result, "h1", "l1", "l2"));
    }

    [Fact]
    public void Weights_divide_in_proportion()
    {
        var result = ConnectionAllocator.Allocate(90, [
            Deployment("heavy", weight: 2, pods: Pods("h1")),
            Deployment("light", weight: 1, pods: Pods("l1")),
        ]);

        Assert.Equal([60, 30], Targets(result, "h1", "l1"));
    }

    [Fact]
    public void A_minimum_is_met_and_the_others_share_the_rest()
    {
        var result = ConnectionAllocator.Allocate(100, [
            Deployment("big", min: 40, pods: Pods("b1")),
            Deployment("small", pods: Pods("s1", "s2", "s3")),
        ]);

        Assert.Equal([40, 20, 20, 20], Targets(result, "b1", "s1", "s2", "s3"));
    }

    [Fact]
    public void What_a_capped_workload_cannot_take_goes_to_the_uncapped_ones()
    {
        var result = ConnectionAllocator.Allocate(100, [
            Deployment("capped", max: 10, pods: Pods("c1", "c2")),
            Deployment("free", pods: Pods("f1", "f2")),
        ]);

        Assert.Equal([10, 10, 40, 40], Targets(result, "c1", "c2", "f1", "f2"));
        Assert.Equal(100, result.Allocated);
    }

    [Fact]
    public void When_every_workload_is_capped_the_rest_stays_unallocated()
    {
        var result = ConnectionAllocator.Allocate(100, [Deployment("capped", max: 10, pods: Pods("c1", "c2"))]);

        Assert.Equal([10, 10], Targets(result, "c1", "c2"));
        Assert.Equal(20, result.Allocated);
    }

    [Fact]
    public void Slots_follow_arrivals_so_a_decided_scale_up_reserves_nothing_until_its_pods_are_up()
    {
        // The HPA decided 4; two pods can use connections: they keep the whole capacity meanwhile.
        var result = ConnectionAllocator.Allocate(100, [Deployment("api", desired: 4, pods: Pods("a", "b"))]);

        Assert.Equal([50, 50], Targets(result, "a", "b"));
        Assert.Equal(2, result.Workloads[0].Slots);
        Assert.Equal(100, result.Allocated);
        Assert.Equal(100, result.Workloads[0].SlotTotal);
    }

    [Fact]
    public void Overcommitted_minimums_are_scaled_down_in_proportion()
    {
        // Minimums: 2 x 5 + 1 x 10 = 20 over 10 available, so each workload gets half its minimums.
        var result = ConnectionAllocator.Allocate(10, [
            Deployment("a", min: 5, pods: Pods("a1", "a2")),
            Deployment("b", min: 10, pods: Pods("b1")),
        ]);

        Assert.True(result.Overcommitted);
        Assert.Equal([3, 2, 5], Targets(result, "a1", "a2", "b1"));
        Assert.Equal(10, result.Allocated);
    }

    [Fact]
    public void Overcommit_leftovers_go_to_the_largest_remainders()
    {
        // Minimums 3 x 1 x (a, b, c) = 3 each, 9 in all, over 7: exact 2.33 each; the one left over goes to "a".
        var result = ConnectionAllocator.Allocate(7, [
            Deployment("c", min: 3, pods: Pods("c1")),
            Deployment("a", min: 3, pods: Pods("a1")),
            Deployment("b", min: 3, pods: Pods("b1")),
        ]);

        Assert.True(result.Overcommitted);
        Assert.Equal([3, 2, 2], Targets(result, "a1", "b1", "c1"));
    }

    [Fact]
    public void Zero_available_gives_every_pod_zero()
    {
        var result = ConnectionAllocator.Allocate(0, [
            Deployment("a", min: 5, pods: Pods("a1", "a2")),
            Deployment("b", pods: Pods("b1")),
        ]);

        Assert.All(result.Targets.Values, t => Assert.Equal(0, t));
        Assert.True(result.Overcommitted);
    }

    [Fact]
    public void The_share_at_max_scale_counts_every_hpa_at_its_maximum()
    {
        var result = ConnectionAllocator.Allocate(90, [
            Deployment("api", min: 5, hpaMax: 9, pods: Pods("a1", "a2", "a3")),
            Deployment("worker", min: 5, pods: Pods("w1", "w2", "w3")),
        ]);

        Assert.Equal(15, result.Workloads[0].PerReplica);
        // 9 + 3 slots at max scale: 90 / 12 = 7.5, so a replica gets at least 7.
        Assert.All(result.Workloads, w => Assert.Equal(7, w.PerReplicaAtMaxScale));
        Assert.All(result.Workloads, w => Assert.False(w.StarvedAtMaxScale));
        Assert.False(result.StarvedAtMaxScale);
    }

    [Fact]
    public void A_workload_is_flagged_starved_when_max_scale_leaves_less_than_its_minimum()
    {
        var result = ConnectionAllocator.Allocate(90, [
            Deployment("api", min: 10, hpaMax: 9, pods: Pods("a1", "a2", "a3")),
            Deployment("worker", min: 2, max: 2, pods: Pods("w1")),
        ]);

        Assert.False(result.Overcommitted);
        var api = result.Workloads.Single(w => w.Name == "api");
        Assert.Equal(9, api.HpaMaxReplicas);
        Assert.True(api.StarvedAtMaxScale);
        Assert.True(api.PerReplicaAtMaxScale < 10);
        Assert.False(result.Workloads.Single(w => w.Name == "worker").StarvedAtMaxScale);
    }

    [Fact]
    public void Workloads_of_different_kinds_may_share_a_name()
    {
        var result = ConnectionAllocator.Allocate(20, [
            new WorkloadDemand("StatefulSet", "db", 1, 0, null, 1, null, Pods("s0")),
            Deployment("db", pods: Pods("d0")),
        ]);

        Assert.Equal([10, 10], Targets(result, "s0", "d0"));
        Assert.Equal(["Deployment", "StatefulSet"], result.Workloads.Select(w => w.Kind));
    }

    [Fact]
    public void A_huge_budget_over_a_hundred_thousand_pods_neither_overflows_nor_throws()
    {
        var pods = Enumerable.Range(0, 100_000).Select(i => Pod($"p{i:D6}")).ToArray();
        var result = ConnectionAllocator.Allocate(int.MaxValue, [
            Deployment("api", weight: int.MaxValue, max: int.MaxValue, desired: int.MaxValue, hpaMax: int.MaxValue, pods: pods[..50_000]),
            Deployment("worker", weight: 1, min: 1, pods: pods[50_000..]),
        ]);

        Assert.True(result.Allocated <= int.MaxValue);
        Assert.True(result.Targets.Values.Sum(t => (long)t) <= int.MaxValue);
        Assert.Equal(100_000, result.Targets.Count);
    }

    [Fact]
    public void Invalid_input_is_rejected_with_the_field_named()
    {
        var error = Assert.Throws<ArgumentException>(() => ConnectionAllocator.Allocate(10, [
            Deployment("api", min: 5, max: 3, pods: Pods("a")),
        ]));

        Assert.Contains("maxPerReplica", error.Message, StringComparison.Ordinal);
        Assert.Contains("api", error.Message, StringComparison.Ordinal);
        Assert.Contains(
            ConnectionAllocator.Validate(10, [Deployment("x", pods: Pods("p")), Deployment("y", pods: Pods("p"))]),
            e => e.Contains("'p' appears more than once", StringComparison.Ordinal));
        Assert.Contains(ConnectionAllocator.Validate(-1, []), e => e.Contains("available", StringComparison.Ordinal));
        Assert.Contains(ConnectionAllocator.Validate(1, [Deployment("w", weight: 0, pods: [])]), e => e.Contains("weight", StringComparison.Ordinal));
    }

    internal static WorkloadDemand Deployment(
        string name,
        int weight = 1,
        int min = 0,
        int? max = null,
        int? desired = null,
        int? hpaMax = null,
        IReadOnlyList<LivePod>? pods = null) =>
        new("Deployment", name, weight, min, max, desired ?? pods?.Count ?? 0, hpaMax, pods ?? []);

    internal static LivePod Pod(string name, LivePodPhase phase = LivePodPhase.Running) => new(name, phase);

    internal static LivePod[] Pods(params string[] names) => [.. names.Select(n => Pod(n))];

    internal static int[] Targets(AllocationResult result, params string[] pods) => [.. pods.Select(p => result.Targets[p])];
}

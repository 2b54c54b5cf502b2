namespace PoolOperator.Operator.Allocation;

/// <summary>What <see cref="ConnectionAllocator.Allocate"/> decided.</summary>
/// <param name="Available">The capacity that was divided.</param>
/// <param name="Targets">Target limit per pod name, for every pod passed in.</param>
/// <param name="Workloads">One row per workload, ordered by kind then name (ordinal).</param>
/// <param name="Allocated">Sum of all slot shares; never above <paramref name="Available"/>.</param>
/// <param name="Overcommitted">True when the minimums over all slots exceed the capacity and were scaled down.</param>
public sealed record AllocationResult(
    int Available,
    IReadOnlyDictionary<string, int> Targets,
    IReadOnlyList<WorkloadAllocation> Workloads,
    long Allocated,
    bool Overcommitted)
{
    /// <summary>True when some workload's replicas would get less than their minimum with every HPA at its maximum.</summary>
    public bool StarvedAtMaxScale => Workloads.Any(w => w.StarvedAtMaxScale);
}

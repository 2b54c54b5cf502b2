using BenchmarkDotNet.Attributes;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Allocation;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Benchmarks;

/// <summary>
/// One reconcile's pure work for a budget of three workloads sharing the pods: the allocation,
/// and the plan from a state where every pod holds an acknowledged grant at an even split
/// (so the plan has shrinks and grows to decide).
/// </summary>
[MemoryDiagnoser]
public class AllocationBenchmarks
{
    private const int Available = 1_000_000;

    private WorkloadDemand[] workloads = [];
    private PlannerInput input = new(0, [], []);

    /// <summary>Pods over all workloads.</summary>
    [Params(10, 1_000, 100_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var perWorkload = Math.Max(1, Pods / 3);
        workloads =
        [
            Workload("api", weight: 2, min: 1, max: null, count: Pods - (2 * perWorkload), hpaMax: Pods),
            Workload("worker", weight: 1, min: 1, max: 50, count: perWorkload, hpaMax: null),
            Workload("cron", weight: 1, min: 0, max: null, count: perWorkload, hpaMax: null),
        ];
        var targets = ConnectionAllocator.Allocate(Available, workloads).Targets;
        var even = Available / Pods;
        var grants = targets.Keys.Select(p => new ConnectionGrant
        {
            Metadata = new V1ObjectMeta { Name = p + ".db", Generation = 2 },
            Spec = new ConnectionGrantSpec { PodName = p, PodUid = p, Limit = even, Hold = even },
            Status = new ConnectionGrantStatus { Phase = GrantPhases.Active, AppliedLimit = even, ObservedGeneration = 2 },
        }).ToList();
        input = new PlannerInput(Available, grants, [.. targets.Select(t => new PlannedPod(t.Key, t.Key, PodStanding.InWorkloads, t.Value))]);
    }

    [Benchmark]
    public AllocationResult Allocate() => ConnectionAllocator.Allocate(Available, workloads);

    [Benchmark]
    public GrantPlan Plan() => GrantPlanner.Plan(input);

    private static WorkloadDemand Workload(string name, int weight, int min, int? max, int count, int? hpaMax) =>
        new(
            "Deployment",
            name,
            weight,
            min,
            max,
            DesiredReplicas: count + 1,
            hpaMax,
            [.. Enumerable.Range(0, Math.Max(0, count)).Select(i => new LivePod($"{name}-{i:D6}", i % 10 == 0 ? LivePodPhase.Pending : LivePodPhase.Running))]);
}

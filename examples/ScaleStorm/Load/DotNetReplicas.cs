using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>.NET replicas: the load runs in the storm's process over the mode's pools.</summary>
internal sealed class DotNetReplicas(IReplicaPools pools, StormOptions options, StormCounters counters) : IReplicaFactory
{
    public IReplica Start(ReplicaPod pod)
    {
        var (dataSource, companion) = pools.Create(pod);
        return new ReplicaLoad(pod.Name, dataSource, options.WorkersPerReplica, options.QueryDuration, options.PodStop, counters, companion);
    }
}

/// <summary>Half the replicas of one kind, half of the other, alternating as pods start: one budget, two languages.</summary>
internal sealed class MixedReplicas(IReplicaFactory first, IReplicaFactory second) : IReplicaFactory
{
    private int _started;

    public IReplica Start(ReplicaPod pod) => Interlocked.Increment(ref _started) % 2 == 1 ? first.Start(pod) : second.Start(pod);
}

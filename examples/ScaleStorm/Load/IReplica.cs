namespace PoolOperator.ScaleStorm.Load;

/// <summary>One running application replica, whatever language it is written in; disposing it is its SIGTERM.</summary>
internal interface IReplica : IAsyncDisposable
{
    string Name { get; }

    /// <summary>From the replica's start (its agent's start) to its first open connection; null while it has none.</summary>
    TimeSpan? FirstConnectionWait { get; }
}

/// <summary>Starts the replica of a pod that has just turned Running.</summary>
internal interface IReplicaFactory
{
    IReplica Start(ReplicaPod pod);
}

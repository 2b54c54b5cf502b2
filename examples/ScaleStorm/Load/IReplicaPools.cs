using System.Data.Common;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>The pod a replica runs in: its name, and its UID (protocol v2 binds a grant to it).</summary>
internal readonly record struct ReplicaPod(string Name, string Uid);

/// <summary>How one mode gives an application replica its connection pool.</summary>
internal interface IReplicaPools
{
    /// <summary>The pool of a replica that has just started, and what must stop with it.</summary>
    (DbDataSource DataSource, IAsyncDisposable? Companion) Create(ReplicaPod pod);
}

using System.Data.Common;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>How one mode gives an application replica its connection pool.</summary>
internal interface IReplicaPools
{
    /// <summary>The pool of a replica that has just started, and what must stop with it.</summary>
    (DbDataSource DataSource, IAsyncDisposable? Companion) Create(string podName);
}

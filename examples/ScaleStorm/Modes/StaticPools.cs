using System.Data.Common;
using Npgsql;
using PoolOperator.ScaleStorm.Load;

namespace PoolOperator.ScaleStorm.Modes;

/// <summary>
/// The classic setup: every replica gets the pool size that was right for the starting replica count
/// ("100 minus 10 across 3 replicas: 30 each"), whatever the replica count becomes. Also used for
/// PgBouncer mode, where the client pools point at the pooler instead of the server and are as large
/// as the replica's concurrency (a client connection costs PgBouncer almost nothing; the pooler
/// does the queueing).
/// </summary>
internal sealed class StaticPools(string connectionString, int poolSize, bool throughPgBouncer, bool noResetOnClose = false) : IReplicaPools
{
    public (DbDataSource DataSource, IAsyncDisposable? Companion) Create(ReplicaPod pod)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = poolSize,
            ApplicationName = StormApplication.Name,
            NoResetOnClose = noResetOnClose,
        };
        if (throughPgBouncer)
        {
            // Transaction pooling hands a session to another client after each transaction:
            // no session reset and no server-side prepared statements.
            settings.NoResetOnClose = true;
            settings.MaxAutoPrepare = 0;
        }

        return (new NpgsqlDataSourceBuilder(settings.ConnectionString) { Name = pod.Name }.Build(), null);
    }
}

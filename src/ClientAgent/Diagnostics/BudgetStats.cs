namespace PoolOperator.ClientAgent;

/// <summary>
/// A snapshot of a <see cref="BudgetedDataSource"/>, in the spirit of Go's <c>sql.DBStats</c>.
/// </summary>
/// <param name="Limit">The limit in force (what Go calls MaxOpenConnections).</param>
/// <param name="InUse">Connections handed out by the gate, opens in progress included.</param>
/// <param name="Idle">Physical connections idle in the pool.</param>
/// <param name="Physical">All physical connections of the pool, idle and used: what the server sees.</param>
/// <param name="Waiting">Opens waiting at the gate.</param>
/// <param name="WaitCount">Opens that had to wait, since start.</param>
/// <param name="WaitDuration">Total time opens waited, since start.</param>
/// <param name="Timeouts">Waits that timed out, since start.</param>
/// <param name="Bypassed">Opens that bypassed the gate and were counted after the fact, since start.</param>
/// <param name="LeaksReported">Connections reported as held past the leak threshold, since start.</param>
/// <param name="UsingFallback">Whether the fallback limit is in force because no grant arrived.</param>
public readonly record struct BudgetStats(
    int Limit,
    int InUse,
    int Idle,
    int Physical,
    int Waiting,
    long WaitCount,
    TimeSpan WaitDuration,
    long Timeouts,
    long Bypassed,
    long LeaksReported,
    bool UsingFallback);

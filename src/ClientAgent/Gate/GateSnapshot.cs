namespace PoolOperator.ClientAgent;

/// <summary>The gate's counters at one moment.</summary>
/// <param name="Limit">The limit in force.</param>
/// <param name="InUse">Slots handed out (opens in progress and open connections).</param>
/// <param name="Waiting">Opens waiting for a slot.</param>
/// <param name="WaitCount">Opens that had to wait, since start.</param>
/// <param name="WaitDuration">Total time opens spent waiting, since start.</param>
/// <param name="Timeouts">Waits that ended in <see cref="ConnectionBudgetTimeoutException"/>, since start.</param>
/// <param name="Bypassed">Opens that did not pass the gate and were counted after the fact, since start.</param>
internal readonly record struct GateSnapshot(
    int Limit, int InUse, int Waiting, long WaitCount, TimeSpan WaitDuration, long Timeouts, long Bypassed);

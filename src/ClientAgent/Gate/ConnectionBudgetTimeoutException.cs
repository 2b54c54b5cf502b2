namespace PoolOperator.ClientAgent;

/// <summary>
/// An open waited at the gate longer than <see cref="ClientAgentOptions.AcquireTimeout"/>. The message names the
/// budget, the limit in force and how many opens were waiting, which is what an operator needs to tell an undersized
/// grant from a connection leak.
/// </summary>
public sealed class ConnectionBudgetTimeoutException : TimeoutException
{
    /// <summary>Creates the exception from the gate's state when the wait ended.</summary>
    public ConnectionBudgetTimeoutException(string budgetName, int limit, int inUse, int waiting, TimeSpan waited)
        : base(
            $"Timed out after {waited.TotalSeconds:0.###} s waiting for a connection of budget '{budgetName}': " +
            $"limit {limit}, {inUse} in use, {waiting} waiting (this one included). " +
            "Connections are held too long, or the pod's grant is too small for its load.")
    {
        BudgetName = budgetName;
        Limit = limit;
        InUse = inUse;
        Waiting = waiting;
        Waited = waited;
    }

    /// <summary>The budget whose gate timed out.</summary>
    public string BudgetName { get; }

    /// <summary>The limit in force when the wait ended.</summary>
    public int Limit { get; }

    /// <summary>Connections handed out when the wait ended.</summary>
    public int InUse { get; }

    /// <summary>Opens waiting when the wait ended, this one included.</summary>
    public int Waiting { get; }

    /// <summary>How long this open waited.</summary>
    public TimeSpan Waited { get; }
}

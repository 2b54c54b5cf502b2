namespace PoolOperator.ClientAgent;

/// <summary>The outcome of <see cref="BudgetedDataSource.ApplyLimitAsync"/>: the limit now in force and held.</summary>
/// <param name="Limit">The applied limit: the requested one, or the Max Pool Size ceiling when that is lower.</param>
/// <param name="Physical">The physical connections measured when the limit was found to hold.</param>
/// <param name="InUse">Connections handed out by the gate at that moment.</param>
/// <param name="Waiting">Opens waiting at the gate at that moment.</param>
public readonly record struct LimitApplied(int Limit, PhysicalConnections Physical, int InUse, int Waiting);

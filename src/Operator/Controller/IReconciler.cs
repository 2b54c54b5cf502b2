namespace PoolOperator.Operator.Controller;

/// <summary>
/// Brings one object's world to what it declares. Level-triggered: it gets only a key and reads the
/// current state itself, so a missed or repeated event changes nothing.
/// </summary>
public interface IReconciler
{
    /// <summary>Reconciles the object named by <paramref name="key"/>.</summary>
    /// <param name="key">The object to reconcile; it may no longer exist.</param>
    /// <param name="cancellationToken">Cancelled when the operator stops or loses leadership: stop writing at once.</param>
    /// <returns>When to look again without an event; an exception means "retry with backoff".</returns>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}

/// <summary>The outcome of a successful reconcile.</summary>
/// <param name="RequeueAfter">Look again after this long even without events (time-based work), or null.</param>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter = null)
{
    /// <summary>Done until something changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

namespace PoolOperator.ClientAgent;

/// <summary>
/// Settings of the client agent, bound from the <c>PoolOperator:Agent</c> configuration section.
/// Unset identity and limit settings are filled from the environment (see <see cref="AgentEnvironment"/>).
/// </summary>
public sealed class ClientAgentOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "PoolOperator:Agent";

    /// <summary>The DatabaseBudget this pod's connections count against. Environment: <c>POOLOPERATOR_BUDGET</c>.</summary>
    public string? BudgetName { get; set; }

    /// <summary>This pod's name (downward API). Environment: <c>POD_NAME</c>.</summary>
    public string? PodName { get; set; }

    /// <summary>This pod's namespace (downward API). Environment: <c>POD_NAMESPACE</c>.</summary>
    public string? PodNamespace { get; set; }

    /// <summary>
    /// This pod's UID (downward API <c>metadata.uid</c>). Environment: <c>POD_UID</c>. Required to follow a grant: a grant
    /// bound to another UID (a previous pod of the same name) is ignored.
    /// </summary>
    public string? PodUid { get; set; }

    /// <summary>
    /// A fixed limit used instead of a ConnectionGrant (running outside Kubernetes). When set, no grant is watched.
    /// Environment: <c>POOLOPERATOR_STATIC_LIMIT</c>.
    /// </summary>
    public int? StaticLimit { get; set; }

    /// <summary>
    /// The hard ceiling: Npgsql's Maximum Pool Size of the one underlying data source. A granted limit above it
    /// is applied (and acknowledged) as this ceiling.
    /// </summary>
    public int MaxPoolSize { get; set; } = 100;

    /// <summary>How long opens are held while the first grant is awaited, before <see cref="FallbackLimit"/> applies.</summary>
    public TimeSpan StartupGrantWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The limit used when no grant arrived within <see cref="StartupGrantWait"/> (no operator, API unreachable).
    /// 0 (the default) keeps waiting: fail closed. A fallback above 0 is counted by no budget; configure one only when
    /// the budget's <c>reservedConnections</c> covers it for every pod that can start while the operator is down.
    /// </summary>
    public int FallbackLimit { get; set; }

    /// <summary>
    /// On shutdown (SIGTERM, host stop) how long in-flight work may keep its connections before the agent exits
    /// without releasing its share. Keep it below the pod's <c>terminationGracePeriodSeconds</c> and the host's
    /// shutdown timeout.
    /// </summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the grant's informational status (<c>inUse</c>, <c>idle</c>, <c>waiting</c>) is refreshed, when it changed.</summary>
    public TimeSpan StatusRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an open may wait at the gate before failing with <see cref="ConnectionBudgetTimeoutException"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.
    /// </summary>
    public TimeSpan AcquireTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Connections kept open even when idle (Npgsql Minimum Pool Size). Must not exceed <see cref="MaxPoolSize"/>.</summary>
    public int MinIdleConnections { get; set; }

    /// <summary>
    /// How long a connection may stay idle before it is closed (Go's SetConnMaxIdleTime; Npgsql Connection Idle Lifetime).
    /// Unset keeps Npgsql's default.
    /// </summary>
    public TimeSpan? ConnectionIdleLifetime { get; set; }

    /// <summary>
    /// The most time a physical connection is reused before it is closed on return (Go's SetConnMaxLifetime;
    /// Npgsql Connection Lifetime). Unset keeps Npgsql's default (no limit).
    /// </summary>
    public TimeSpan? ConnectionLifetime { get; set; }

    /// <summary>A connection held open longer than this is reported once, with the stack where it was opened. Unset disables leak detection.</summary>
    public TimeSpan? LeakThreshold { get; set; }

    /// <summary>How often a shrink measures the physical connections while it waits for busy ones to come back.</summary>
    public TimeSpan ResizePollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The first delay before re-establishing a failed grant watch; it doubles up to <see cref="WatchBackoffMax"/>.</summary>
    public TimeSpan WatchBackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between attempts to re-establish a grant watch or to write a status.</summary>
    public TimeSpan WatchBackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the health check reports Degraded after a waiter timed out at the gate.</summary>
    public TimeSpan HealthDegradedWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The name of the underlying Npgsql data source (its metrics' pool name). Defaults to <c>pooloperator/&lt;budget&gt;</c>.</summary>
    public string? PoolName { get; set; }
}

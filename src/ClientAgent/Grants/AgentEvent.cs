using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Something the grant agent's one reader must decide on. The watch, the timers, the status writer and the stop signal
/// only post events; the reader applies them in order, so no decision races another and none is dropped.
/// </summary>
internal abstract record AgentEvent
{
    /// <summary>The grant was listed or watched (ADDED, MODIFIED).</summary>
    public sealed record GrantSeen(ConnectionGrant Grant) : AgentEvent;

    /// <summary>A grant of this name was deleted (its object UID), or a list no longer has it (null).</summary>
    public sealed record GrantGone(string? GrantUid) : AgentEvent;

    /// <summary><see cref="ClientAgentOptions.StartupGrantWait"/> ran out.</summary>
    public sealed record StartupWaitElapsed : AgentEvent;

    /// <summary>Time to measure again while a shrink waits for busy connections.</summary>
    public sealed record MeasureDue : AgentEvent;

    /// <summary>Time to refresh the informational status fields.</summary>
    public sealed record StatusRefreshDue : AgentEvent;

    /// <summary>An acknowledgement landed in the grant's status.</summary>
    public sealed record Written(AgentAcknowledgement Acknowledgement) : AgentEvent;

    /// <summary>The host is stopping.</summary>
    public sealed record StopRequested : AgentEvent;

    /// <summary><see cref="ClientAgentOptions.StopGracePeriod"/> ran out.</summary>
    public sealed record StopGraceElapsed : AgentEvent;
}

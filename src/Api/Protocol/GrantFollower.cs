namespace PoolOperator.Api.Protocol;

/// <summary>A status an agent wants written to its grant: the acknowledgement of one generation.</summary>
/// <param name="Phase">One of <see cref="GrantPhases"/>.</param>
/// <param name="AppliedLimit">The limit the agent enforces and holds no more connections than.</param>
/// <param name="ObservedGeneration">The grant generation this answers.</param>
public sealed record AgentAcknowledgement(string Phase, int AppliedLimit, long ObservedGeneration);

/// <summary>
/// The decisions of one agent following its pod's grant, without I/O: which limit the gate enforces now, when a
/// measurement is needed, and which acknowledgement to write. The .NET agent, the simulation and the conformance
/// suite's model all use this one class; docs/protocol.md states the same rules for an agent in another language.
/// </summary>
/// <remarks>
/// <para>Events come from one reader (the grant watch, the measurement loop, the stop signal and the startup timer
/// all feed the same loop), so no decision races another.</para>
/// <para>Acknowledgements are never lost: <see cref="PendingAcknowledgement"/> always holds the newest one still to
/// write; a writer that fails retries whatever is pending then, and a newer acknowledgement replaces an older one
/// only when it answers a later generation.</para>
/// </remarks>
public sealed class GrantFollower
{
    private readonly string _podUid;
    private readonly int _ceiling;
    private string? _grantUid;
    private long _generation;
    private bool _stopping;
    private bool _releasing;
    private bool _measurementNeeded;
    private int _drainAcknowledged;

    /// <summary>Creates the follower of the pod <paramref name="podUid"/>'s grant.</summary>
    /// <param name="podUid">The pod's UID from the downward API; grants bound to another UID are ignored.</param>
    /// <param name="ceiling">The most the pool can open (e.g. Max Pool Size); a larger limit is applied as this.</param>
    public GrantFollower(string podUid, int ceiling = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(podUid);
        ArgumentOutOfRangeException.ThrowIfNegative(ceiling);
        _podUid = podUid;
        _ceiling = ceiling;
    }

    /// <summary>The limit the gate enforces now: opens beyond it wait. 0 until a grant arrives (fail closed).</summary>
    public int Limit { get; private set; }

    /// <summary>The acknowledgement to write now, or null when there is nothing to write.</summary>
    public AgentAcknowledgement? PendingAcknowledgement { get; private set; }

    /// <summary>
    /// True while the gate was lowered and the agent must count what it could hold (gate admissions plus idle
    /// physical connections) and report it through <see cref="Measured"/> before it may acknowledge.
    /// </summary>
    public bool MeasurementNeeded => _measurementNeeded;

    /// <summary>The <c>metadata.uid</c> of the grant object followed, or null without one (an acknowledgement belongs to it).</summary>
    public string? GrantUid => _grantUid;

    /// <summary>True while the agent follows a grant bound to its pod.</summary>
    public bool HasGrant => _grantUid is not null;

    /// <summary>True once a grant with a limit above 0 has been applied (readiness waits for this).</summary>
    public bool HasApplied { get; private set; }

    /// <summary>True once <see cref="Stop"/> was called: the limit stays 0 for good.</summary>
    public bool Stopping => _stopping;

    /// <summary>The grant generation the current <see cref="Limit"/> answers (0 without a grant).</summary>
    public long Generation => _generation;

    /// <summary>A grant event for this pod's grant name (ADDED or MODIFIED, or an item of a list).</summary>
    /// <returns>True when the grant is bound to this pod and newer than what was seen, so it was taken.</returns>
    public bool Observe(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!string.Equals(grant.Spec.PodUid, _podUid, StringComparison.Ordinal))
        {
            return false;
        }

        var objectUid = grant.Metadata?.Uid ?? "";
        var generation = grant.Metadata?.Generation ?? 0;
        var sameObject = string.Equals(objectUid, _grantUid, StringComparison.Ordinal);
        if (grant.Metadata?.DeletionTimestamp is not null)
        {
            return MarkedForDeletion(objectUid, generation, sameObject);
        }

        if (sameObject && generation <= _generation)
        {
            // A repeat (our own status write coming back) or a stale event: nothing new was issued.
            return false;
        }

        _grantUid = objectUid;
        _generation = generation;
        _releasing = false;
        var issued = Math.Clamp(grant.Spec.Limit, 0, _ceiling);
        if (!sameObject && GrantHolds.IsAcknowledged(grant))
        {
            // A process of this pod before us acknowledged this generation (a container restart): never exceed what
            // it acknowledged, since the operator may have given the rest away; after a release, start from nothing.
            issued = grant.Status!.Phase == GrantPhases.Released ? 0 : Math.Min(issued, Math.Max(0, grant.Status.AppliedLimit ?? 0));
        }

        Apply(_stopping ? 0 : issued);
        return true;
    }

    /// <summary>The grant this pod followed was deleted: fail closed (hold nothing) until a new one is issued.</summary>
    public void GrantDeleted()
    {
        _grantUid = null;
        _releasing = false;
        _generation = 0;
        PendingAcknowledgement = null;

        // What was opened under the deleted grant must close before a new grant's limit can be acknowledged.
        _measurementNeeded = true;
        Limit = 0;
    }

    /// <summary>
    /// Reports what the agent could hold right now (connections admitted by the gate plus idle physical connections),
    /// counted after the gate took <see cref="Limit"/>. Acknowledges the current generation once it fits.
    /// </summary>
    /// <remarks>
    /// While a shrink drains, each measurement below the last one acknowledges the current generation with what could
    /// still be held (<c>{Active, couldHold, g}</c>, above the new limit): the operator then counts that instead of
    /// the old limit, so the connections that closed move to other pods at once rather than when the last busy one
    /// comes back. What could be held only falls while the gate admits nothing above its limit, so each such
    /// acknowledgement stays true.
    /// </remarks>
    public void Measured(int couldHold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(couldHold);
        if (!_measurementNeeded)
        {
            return;
        }

        if (couldHold > Limit)
        {
            if (HasGrant && !_stopping && !_releasing && couldHold < _drainAcknowledged)
            {
                _drainAcknowledged = couldHold;
                PendingAcknowledgement = new AgentAcknowledgement(GrantPhases.Active, couldHold, _generation);
            }

            return;
        }

        _measurementNeeded = false;
        if (HasGrant)
        {
            PendingAcknowledgement = Acknowledgement();
        }
    }

    /// <summary>The agent stops (SIGTERM, host shutdown): admit nothing more; acknowledge the release once measured 0.</summary>
    public void Stop()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Apply(0);
        _measurementNeeded = true;
        PendingAcknowledgement = null;
    }

    /// <summary>The startup wait for the first grant ran out: apply <paramref name="fallbackLimit"/> unless a grant came.</summary>
    /// <remarks>A fallback above 0 is not counted by any budget: it must come from the budget's reserved headroom.</remarks>
    public void StartupWaitElapsed(int fallbackLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fallbackLimit);
        if (!HasGrant && !_stopping && fallbackLimit > Limit)
        {
            Limit = Math.Min(fallbackLimit, _ceiling);
        }
    }

    /// <summary>A status write succeeded: forget it unless something newer is pending by now.</summary>
    public void Written(AgentAcknowledgement acknowledgement)
    {
        if (Equals(PendingAcknowledgement, acknowledgement))
        {
            PendingAcknowledgement = null;
        }
    }

    /// <summary>
    /// The grant is marked for deletion (its finalizer keeps it while the pod may hold connections): hold nothing, and
    /// acknowledge the release once measured 0, so the operator can let it go. Once per grant object.
    /// </summary>
    private bool MarkedForDeletion(string objectUid, long generation, bool sameObject)
    {
        if (sameObject && _releasing)
        {
            return false;
        }

        _grantUid = objectUid;
        _generation = Math.Max(sameObject ? _generation : 0, generation);
        _releasing = true;
        Apply(0);
        if (!sameObject)
        {
            // Connections of an earlier grant may still be open: measure before the release is acknowledged.
            _measurementNeeded = true;
            PendingAcknowledgement = null;
        }

        return true;
    }

    private void Apply(int target)
    {
        var previous = Limit;
        Limit = target;
        HasApplied |= target > 0;
        if (!_measurementNeeded && target >= previous)
        {
            // Nothing is held above the previous limit, which was within what was acknowledged: a raise holds at once.
            PendingAcknowledgement = Acknowledgement();
            return;
        }

        // A shrink (or a raise while an earlier shrink is still being measured): acknowledge only once it holds, or
        // progressively, what could still be held as it drains below what was held before.
        if (!_measurementNeeded)
        {
            _drainAcknowledged = previous;
        }

        _measurementNeeded = true;
        PendingAcknowledgement = null;
    }

    private AgentAcknowledgement Acknowledgement()
    {
        var phase = _stopping || _releasing ? GrantPhases.Released : Limit == 0 ? GrantPhases.Waiting : GrantPhases.Active;
        return new AgentAcknowledgement(phase, Limit, _generation);
    }
}

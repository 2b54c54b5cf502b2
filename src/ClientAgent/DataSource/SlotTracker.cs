using System.Data;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Ties one gate slot to one <see cref="Npgsql.NpgsqlConnection"/> through its <c>StateChange</c> event, so the
/// slot is released exactly once per open: on Close, Dispose or a break (Npgsql raises Open to Closed for all
/// three), or by <see cref="AbandonReservation"/> when an open fails (Npgsql raises nothing then).
/// Checked against Npgsql 10.0.3: a second Close raises nothing, and a failed open leaves the state Closed.
/// </summary>
internal sealed class SlotTracker
{
    private const int Idle = 0;
    private const int Reserved = 1;
    private const int Held = 2;

    private readonly ConnectionSlots _slots;
    private int _state;

    public SlotTracker(ConnectionSlots slots) => _slots = slots;

    /// <summary>The <see cref="TimeProvider"/> timestamp of the current open.</summary>
    public long OpenedTimestamp { get; private set; }

    /// <summary>Where the current open happened, when leak detection is on.</summary>
    public string? OpenedAt { get; private set; }

    /// <summary>
    /// Where the pending open was asked for, captured before the first await (an async open's StateChange runs in a
    /// continuation whose stack no longer shows the caller).
    /// </summary>
    public string? PendingOpenSite { get; set; }

    /// <summary>Whether the current open was already reported as a leak.</summary>
    public bool LeakReported { get; set; }

    /// <summary>Whether this connection holds a slot as an open connection.</summary>
    public bool IsHeld => Volatile.Read(ref _state) == Held;

    /// <summary>Records that a slot was taken for the next open. False when this connection already has one.</summary>
    public bool TryReserve() => Interlocked.CompareExchange(ref _state, Reserved, Idle) == Idle;

    /// <summary>The open failed (no StateChange): hand the reserved slot back.</summary>
    public void AbandonReservation()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Reserved) == Reserved)
        {
            _slots.ReleaseSlot(this);
        }
    }

    /// <summary>The connection's StateChange handler.</summary>
    public void OnStateChange(object? sender, StateChangeEventArgs e)
    {
        if (e.CurrentState == ConnectionState.Open)
        {
            if (Interlocked.CompareExchange(ref _state, Held, Reserved) == Reserved)
            {
                MarkOpened();
            }
            else if (Interlocked.CompareExchange(ref _state, Held, Idle) == Idle)
            {
                // Opened without a reservation: the gate was bypassed. Count it so the books stay true.
                _slots.CountBypass();
                MarkOpened();
            }
        }
        else
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Held) == Held)
            {
                _slots.ReleaseSlot(this);
            }
        }
    }

    private void MarkOpened()
    {
        OpenedTimestamp = _slots.Time.GetTimestamp();
        LeakReported = false;
        OpenedAt = PendingOpenSite ?? _slots.CaptureOpenSite();
        PendingOpenSite = null;
        _slots.OnOpened(this);
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// The accounting between the gate and the connections: takes a slot before an open, attaches a
/// <see cref="SlotTracker"/> that gives it back when the connection closes, counts opens that bypassed the
/// gate, and feeds the leak detector.
/// </summary>
internal sealed class ConnectionSlots
{
    private readonly ConditionalWeakTable<NpgsqlConnection, SlotTracker> _external = new();
    private readonly ClientAgentMetrics _metrics;
    private readonly LeakDetector? _leaks;
    private readonly ILogger _logger;
    private int _bypassLogged;

    public ConnectionSlots(ConnectionGate gate, ClientAgentMetrics metrics, LeakDetector? leaks, TimeProvider time, ILogger logger)
    {
        Gate = gate;
        _metrics = metrics;
        _leaks = leaks;
        Time = time;
        _logger = logger;
    }

    public ConnectionGate Gate { get; }

    public TimeProvider Time { get; }

    /// <summary>A tracker for a connection this library created; the caller subscribes it to StateChange.</summary>
    public SlotTracker CreateTracker() => new(this);

    /// <summary>The tracker of a connection opened by an integration (EF Core), attached on first use.</summary>
    public SlotTracker TrackerFor(NpgsqlConnection connection) =>
        _external.GetValue(connection, c =>
        {
            var tracker = new SlotTracker(this);
            c.StateChange += tracker.OnStateChange;
            return tracker;
        });

    /// <summary>Waits for a slot and reserves it for the tracker's next open.</summary>
    public async ValueTask ReserveAsync(SlotTracker tracker, CancellationToken cancellationToken)
    {
        if (tracker.IsHeld)
        {
            throw new InvalidOperationException("The connection is already open.");
        }

        tracker.PendingOpenSite = CaptureOpenSite();
        await Gate.AcquireAsync(cancellationToken);
        Reserve(tracker);
    }

    /// <summary>Blocks for a slot and reserves it for the tracker's next open.</summary>
    public void ReserveBlocking(SlotTracker tracker, CancellationToken cancellationToken)
    {
        if (tracker.IsHeld)
        {
            throw new InvalidOperationException("The connection is already open.");
        }

        tracker.PendingOpenSite = CaptureOpenSite();
        Gate.Acquire(cancellationToken);
        Reserve(tracker);
    }

    public void ReleaseSlot(SlotTracker tracker)
    {
        _leaks?.Forget(tracker);
        Gate.Release();
    }

    public void CountBypass()
    {
        Gate.ForceAcquire();
        _metrics.RecordBypass();
        if (Interlocked.Exchange(ref _bypassLogged, 1) == 0)
        {
            AgentLog.GateBypassed(_logger, Gate.BudgetName);
        }
    }

    public void OnOpened(SlotTracker tracker) => _leaks?.Track(tracker);

    /// <summary>The caller's stack without this library's frames, when leak detection is on (it costs a stack walk).</summary>
    public string? CaptureOpenSite()
    {
        if (_leaks is null)
        {
            return null;
        }

        var ours = typeof(ConnectionSlots).Assembly;
        var text = new StringBuilder();
        foreach (var frame in new StackTrace(1, fNeedFileInfo: true).GetFrames())
        {
            var method = frame.GetMethod();
            if (method?.DeclaringType?.Assembly == ours && text.Length == 0)
            {
                continue;
            }

            text.Append("   at ").Append(method?.DeclaringType?.FullName).Append('.').Append(method?.Name);
            if (frame.GetFileName() is { } file)
            {
                text.Append(" in ").Append(file).Append(":line ").Append(frame.GetFileLineNumber());
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private void Reserve(SlotTracker tracker)
    {
        if (!tracker.TryReserve())
        {
            // A concurrent open on the same connection object: give the slot back and let the caller fail.
            Gate.Release();
            throw new InvalidOperationException("The connection is already being opened.");
        }
    }
}

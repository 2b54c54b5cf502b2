using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Reports a connection that has been held longer than the threshold, once per open, with the stack where it was
/// opened: the usual cause of an exhausted budget is a connection that is never closed.
/// </summary>
internal sealed class LeakDetector : IDisposable
{
    private readonly ConcurrentDictionary<SlotTracker, byte> _held = new();
    private readonly TimeSpan _threshold;
    private readonly TimeProvider _time;
    private readonly ClientAgentMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _budgetName;
    private readonly ITimer _timer;
    private long _reported;

    public LeakDetector(TimeSpan threshold, string budgetName, TimeProvider time, ClientAgentMetrics metrics, ILogger logger)
    {
        _threshold = threshold;
        _budgetName = budgetName;
        _time = time;
        _metrics = metrics;
        _logger = logger;

        // Scan a few times per threshold so a leak is reported soon after it crosses the line.
        var period = TimeSpan.FromTicks(Math.Clamp(threshold.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _timer = time.CreateTimer(static state => ((LeakDetector)state!).Scan(), this, period, period);
    }

    /// <summary>Leaks reported since start.</summary>
    public long Reported => Interlocked.Read(ref _reported);

    public void Track(SlotTracker tracker) => _held[tracker] = 0;

    public void Forget(SlotTracker tracker) => _held.TryRemove(tracker, out _);

    /// <summary>Reports every tracked connection past the threshold that was not reported yet.</summary>
    internal void Scan()
    {
        var now = _time.GetTimestamp();
        foreach (var tracker in _held.Keys)
        {
            if (tracker.LeakReported || !tracker.IsHeld)
            {
                continue;
            }

            var held = _time.GetElapsedTime(tracker.OpenedTimestamp, now);
            if (held < _threshold)
            {
                continue;
            }

            tracker.LeakReported = true;
            Interlocked.Increment(ref _reported);
            _metrics.RecordLeak();
            AgentLog.ConnectionLeaked(_logger, _budgetName, held, _threshold, tracker.OpenedAt ?? "(unknown)");
        }
    }

    public void Dispose() => _timer.Dispose();
}

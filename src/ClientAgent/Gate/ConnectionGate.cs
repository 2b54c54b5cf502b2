using System.Diagnostics;

namespace PoolOperator.ClientAgent;

/// <summary>
/// A FIFO, cancellable, resizable counting gate. Unlike <see cref="SemaphoreSlim"/> its limit can be lowered
/// while slots are out: a lowered limit holds new acquisitions until enough slots come back, and a raised one
/// admits waiters at once, oldest first. A waiter never overtakes an earlier one, so a burst cannot starve a
/// request that queued before it.
/// </summary>
internal sealed class ConnectionGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<GateWaiter> _waiters = new();
    private readonly TimeProvider _time;
    private readonly ClientAgentMetrics? _metrics;
    private int _limit;
    private int _inUse;
    private long _waitCount;
    private long _waitTicks;
    private long _timeouts;
    private long _bypassed;
    private long _lastTimeoutTimestamp;

    public ConnectionGate(string budgetName, int initialLimit, TimeSpan acquireTimeout, TimeProvider time, ClientAgentMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialLimit);
        BudgetName = budgetName;
        AcquireTimeout = acquireTimeout;
        _limit = initialLimit;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>The budget named in timeout messages.</summary>
    public string BudgetName { get; }

    /// <summary>How long a wait may last; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</summary>
    public TimeSpan AcquireTimeout { get; }

    /// <summary>The limit in force.</summary>
    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>The <see cref="TimeProvider"/> timestamp of the last timeout, or null if none happened.</summary>
    public long? LastTimeoutTimestamp
    {
        get
        {
            var value = Interlocked.Read(ref _lastTimeoutTimestamp);
            return value == 0 ? null : value;
        }
    }

    /// <summary>Takes a slot, waiting in FIFO order when none is free.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    /// <exception cref="ConnectionBudgetTimeoutException">The wait outlasted <see cref="AcquireTimeout"/>.</exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_waiters.Count == 0 && _inUse < _limit)
            {
                _inUse++;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var waiter = new GateWaiter(this, _time.GetTimestamp());
            waiter.Node = _waiters.AddLast(waiter);
            _waitCount++;
            waiter.Arm(AcquireTimeout, _time, cancellationToken);
            return new ValueTask(waiter.Task);
        }
    }

    /// <summary>Takes a slot, blocking the calling thread while waiting (for synchronous opens).</summary>
    public void Acquire(CancellationToken cancellationToken = default)
    {
        var pending = AcquireAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Gives a slot back and admits the oldest waiters the limit now allows.</summary>
    public void Release()
    {
        lock (_lock)
        {
            Debug.Assert(_inUse > 0, "Release without a matching acquisition.");
            if (_inUse > 0)
            {
                _inUse--;
            }

            AdmitWaiters();
        }
    }

    /// <summary>
    /// Counts a slot that was taken without waiting (an open that bypassed the gate). It may push
    /// <c>inUse</c> above the limit: the connection exists, and hiding it would break the accounting.
    /// </summary>
    public void ForceAcquire()
    {
        lock (_lock)
        {
            _inUse++;
            _bypassed++;
        }
    }

    /// <summary>
    /// Changes the limit. Lowering it takes no slot back: new acquisitions wait until <c>inUse</c> is below
    /// the new limit. Raising it admits waiters at once.
    /// </summary>
    public void SetLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            _limit = limit;
            AdmitWaiters();
        }
    }

    /// <summary>The counters at this moment.</summary>
    public GateSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new GateSnapshot(_limit, _inUse, _waiters.Count, _waitCount, TimeSpan.FromTicks(_waitTicks), _timeouts, _bypassed);
        }
    }

    /// <summary>Ends a wait because its token was cancelled, unless it was admitted first.</summary>
    internal void Cancel(GateWaiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!Dequeue(waiter))
            {
                return;
            }
        }

        waiter.TrySetCanceled(cancellationToken);
    }

    /// <summary>Ends a wait that outlasted the timeout, unless it was admitted first.</summary>
    internal void Expire(GateWaiter waiter)
    {
        ConnectionBudgetTimeoutException exception;
        lock (_lock)
        {
            var waiting = _waiters.Count;
            if (!Dequeue(waiter))
            {
                return;
            }

            _timeouts++;
            var now = _time.GetTimestamp();
            Interlocked.Exchange(ref _lastTimeoutTimestamp, now);
            exception = new ConnectionBudgetTimeoutException(BudgetName, _limit, _inUse, waiting, _time.GetElapsedTime(waiter.StartTimestamp, now));
        }

        _metrics?.RecordTimeout();
        waiter.TrySetException(exception);
    }

    private bool Dequeue(GateWaiter waiter)
    {
        if (waiter.Node?.List is null)
        {
            return false;
        }

        _waiters.Remove(waiter.Node);
        waiter.Disarm();
        RecordWait(waiter);
        return true;
    }

    private void AdmitWaiters()
    {
        while (_inUse < _limit && _waiters.First is { } first)
        {
            var waiter = first.Value;
            _waiters.RemoveFirst();
            waiter.Disarm();
            _inUse++;
            RecordWait(waiter);

            // Continuations run asynchronously (see GateWaiter), so completing under the lock runs no user code here.
            waiter.TrySetResult();
        }
    }

    private void RecordWait(GateWaiter waiter)
    {
        var waited = _time.GetElapsedTime(waiter.StartTimestamp);
        _waitTicks += waited.Ticks;
        _metrics?.RecordWait(waited);
    }
}

namespace PoolOperator.ClientAgent;

/// <summary>One queued acquisition: its completion, its place in the queue, its cancellation and its timeout.</summary>
internal sealed class GateWaiter : TaskCompletionSource
{
    private readonly ConnectionGate _gate;
    private CancellationTokenRegistration _cancellation;
    private ITimer? _timer;

    // Continuations must not run inside the gate's lock or on the thread that releases a slot.
    public GateWaiter(ConnectionGate gate, long startTimestamp)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _gate = gate;
        StartTimestamp = startTimestamp;
    }

    public long StartTimestamp { get; }

    public LinkedListNode<GateWaiter>? Node { get; set; }

    /// <summary>Starts watching the token and the timeout. Called under the gate's lock, after queuing.</summary>
    public void Arm(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => { var self = (GateWaiter)state!; self._gate.Cancel(self, token); },
                this);
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = time.CreateTimer(static state => { var self = (GateWaiter)state!; self._gate.Expire(self); }, this, timeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Stops watching. Called under the gate's lock, so it must not wait for a callback in flight (which
    /// would be waiting for that lock): Unregister, unlike Dispose, does not wait.
    /// </summary>
    public void Disarm()
    {
        _cancellation.Unregister();
        _timer?.Dispose();
    }
}

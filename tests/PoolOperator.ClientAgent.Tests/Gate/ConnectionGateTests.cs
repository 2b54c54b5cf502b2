using Microsoft.Extensions.Time.Testing;

namespace PoolOperator.ClientAgent.Tests.Gate;

/// <summary>The gate alone, on a fake clock: order, cancellation, timeout, resizing.</summary>
public sealed class ConnectionGateTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Admits_up_to_the_limit_without_waiting()
    {
        var gate = NewGate(limit: 2);

        await gate.AcquireAsync();
        await gate.AcquireAsync();
        var third = gate.AcquireAsync();

        Assert.False(third.IsCompleted);
        Assert.Equal(new GateSnapshot(2, 2, 1, 1, TimeSpan.Zero, 0, 0), gate.Snapshot());
    }

    [Fact]
    public async Task Waiters_are_admitted_in_arrival_order()
    {
        var gate = NewGate(limit: 1);
        await gate.AcquireAsync();
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 5)
            .Select(i => gate.AcquireAsync().AsTask().ContinueWith(_ => { lock (order) { order.Add(i); } }, TaskScheduler.Default))
            .ToArray();

        for (var i = 0; i < waiters.Length; i++)
        {
            gate.Release();
            await waiters[i].WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal([0, 1, 2, 3, 4], order);
    }

    [Fact]
    public async Task A_new_arrival_does_not_overtake_a_waiter_when_a_slot_frees()
    {
        var gate = NewGate(limit: 1);
        await gate.AcquireAsync();
        var waiter = gate.AcquireAsync().AsTask();

        gate.Release();
        var newcomer = gate.AcquireAsync();

        await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(newcomer.IsCompleted);
    }

    [Fact]
    public async Task Cancelling_a_waiter_removes_it_and_keeps_the_slot_count()
    {
        var gate = NewGate(limit: 1);
        await gate.AcquireAsync();
        using var cancellation = new CancellationTokenSource();
        var cancelled = gate.AcquireAsync(cancellation.Token).AsTask();
        var next = gate.AcquireAsync().AsTask();

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, gate.Snapshot().Waiting);
        gate.Release();
        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, gate.Snapshot().InUse);
    }

    [Fact]
    public async Task An_already_cancelled_token_fails_without_queuing_when_the_gate_is_full()
    {
        var gate = NewGate(limit: 0);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.AcquireAsync(new CancellationToken(canceled: true)).AsTask());
        Assert.Equal(0, gate.Snapshot().Waiting);
    }

    [Fact]
    public async Task A_wait_past_the_timeout_fails_naming_budget_limit_and_waiters()
    {
        var gate = NewGate(limit: 2, timeout: TimeSpan.FromSeconds(5));
        await gate.AcquireAsync();
        await gate.AcquireAsync();
        var first = gate.AcquireAsync().AsTask();
        var second = gate.AcquireAsync().AsTask();

        _time.Advance(TimeSpan.FromSeconds(5));

        var exception = await Assert.ThrowsAsync<ConnectionBudgetTimeoutException>(() => first);
        Assert.Contains("budget 'orders-db'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("limit 2", exception.Message, StringComparison.Ordinal);
        Assert.Contains("2 waiting", exception.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), exception.Waited);
        await Assert.ThrowsAsync<ConnectionBudgetTimeoutException>(() => second);
        var snapshot = gate.Snapshot();
        Assert.Equal(2, snapshot.Timeouts);
        Assert.Equal(0, snapshot.Waiting);
        Assert.Equal(2, snapshot.InUse);
        Assert.NotNull(gate.LastTimeoutTimestamp);
    }

    [Fact]
    public async Task Lowering_below_in_use_holds_new_opens_until_in_use_is_below_the_new_limit()
    {
        var gate = NewGate(limit: 3);
        for (var i = 0; i < 3; i++)
        {
            await gate.AcquireAsync();
        }

        gate.SetLimit(1);
        var waiter = gate.AcquireAsync().AsTask();

        gate.Release();
        gate.Release();
        Assert.False(waiter.IsCompleted);
        Assert.Equal(1, gate.Snapshot().InUse);

        gate.Release();
        await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, gate.Snapshot().InUse);
    }

    [Fact]
    public async Task Raising_the_limit_admits_waiters_at_once_oldest_first()
    {
        var gate = NewGate(limit: 0);
        var waiters = Enumerable.Range(0, 4).Select(_ => gate.AcquireAsync().AsTask()).ToArray();

        gate.SetLimit(3);

        await Task.WhenAll(waiters[..3]).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(waiters[3].IsCompleted);
        Assert.Equal(3, gate.Snapshot().InUse);
    }

    [Fact]
    public async Task Wait_count_and_duration_accumulate_from_the_clock()
    {
        var gate = NewGate(limit: 1);
        await gate.AcquireAsync();
        var waiter = gate.AcquireAsync().AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(1500));
        gate.Release();
        await waiter.WaitAsync(TimeSpan.FromSeconds(10));

        var snapshot = gate.Snapshot();
        Assert.Equal(1, snapshot.WaitCount);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), snapshot.WaitDuration);
    }

    [Fact]
    public void Forced_acquisitions_are_counted_even_above_the_limit()
    {
        var gate = NewGate(limit: 1);

        gate.ForceAcquire();
        gate.ForceAcquire();

        var snapshot = gate.Snapshot();
        Assert.Equal(2, snapshot.InUse);
        Assert.Equal(2, snapshot.Bypassed);
    }

    [Fact]
    public async Task Synchronous_acquire_blocks_until_a_slot_is_released()
    {
        var gate = NewGate(limit: 1);
        gate.Acquire();
        var blocked = Task.Run(() => gate.Acquire());

        await Task.WhenAny(blocked, Task.Delay(TimeSpan.FromMilliseconds(100)));
        Assert.False(blocked.IsCompleted);
        gate.Release();
        await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, gate.Snapshot().InUse);
    }

    private ConnectionGate NewGate(int limit, TimeSpan? timeout = null) =>
        new("orders-db", limit, timeout ?? Timeout.InfiniteTimeSpan, _time);
}

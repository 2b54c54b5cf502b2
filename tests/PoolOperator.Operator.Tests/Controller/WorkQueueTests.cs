using Microsoft.Extensions.Time.Testing;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Tests.Controller;

public sealed class WorkQueueTests : IDisposable
{
    private static readonly WorkQueueSettings NoJitter = new() { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
    private readonly FakeTimeProvider time = new();
    private readonly WorkQueue<string> queue;

    public WorkQueueTests()
    {
        queue = new WorkQueue<string>(time, NoJitter);
    }

    public void Dispose() => queue.Dispose();

    [Fact]
    public async Task A_key_added_many_times_is_held_once()
    {
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Depth);
        Assert.Equal("a", await queue.TakeAsync(CancellationToken.None));
        Assert.Equal("b", await queue.TakeAsync(CancellationToken.None));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task A_key_in_process_is_not_handed_out_again_until_done()
    {
        queue.Add("a");
        var first = await queue.TakeAsync(CancellationToken.None);
        queue.Add("a");
        queue.Add("a");

        Assert.Equal(0, queue.Depth);
        var second = queue.TakeAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        queue.Done(first);
        Assert.Equal("a", await second.WaitAsync(TimeSpan.FromSeconds(5)));
        queue.Done("a");
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task Done_without_a_new_add_does_not_requeue()
    {
        queue.Add("a");
        queue.Done(await queue.TakeAsync(CancellationToken.None));
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void AddAfter_waits_for_the_clock_and_an_earlier_due_time_wins()
    {
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        Assert.Equal(0, queue.Depth);
        Assert.Equal(1, queue.DelayedCount);

        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, queue.Depth);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, queue.Depth);
        Assert.Equal(0, queue.DelayedCount);

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public void Failures_back_off_exponentially_up_to_the_cap_and_forget_resets()
    {
        var delays = Enumerable.Range(0, 6).Select(_ => queue.AddRateLimited("a")).ToList();

        Assert.Equal(
            new[] { 100, 200, 400, 800, 1000, 1000 }.Select(ms => TimeSpan.FromMilliseconds(ms)),
            delays);
        Assert.Equal(6, queue.Failures("a"));

        queue.Forget("a");
        Assert.Equal(0, queue.Failures("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("a"));
    }

    [Fact]
    public void A_failed_key_comes_back_only_after_its_backoff()
    {
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, queue.Depth);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public void Backoff_of_one_key_does_not_delay_another()
    {
        for (var i = 0; i < 5; i++)
        {
            queue.AddRateLimited("slow");
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("fresh"));
    }

    [Fact]
    public void Jitter_stays_within_its_bounds()
    {
        using var jittery = new WorkQueue<string>(time, NoJitter with { Jitter = 0.2, MaxDelay = TimeSpan.FromHours(1) }, new Random(42));
        var delays = Enumerable.Range(0, 200).Select(i => jittery.AddRateLimited("k" + i)).ToList();

        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 80, 120));
        Assert.True(delays.Distinct().Count() > 10, "delays should spread out");
    }

    [Fact]
    public async Task Shutdown_cancels_waiting_takers_and_drops_delayed_keys()
    {
        var waiting = queue.TakeAsync(CancellationToken.None);
        queue.AddAfter("a", TimeSpan.FromSeconds(1));

        queue.ShutDown();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, queue.Depth);
        queue.Add("b");
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public async Task Many_workers_never_hold_the_same_key_at_once()
    {
        var inProcess = new HashSet<string>();
        var overlaps = 0;
        var processed = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                string key;
                try
                {
                    key = await queue.TakeAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                lock (inProcess)
                {
                    if (!inProcess.Add(key))
                    {
                        overlaps++;
                    }
                }

                await Task.Yield();
                lock (inProcess)
                {
                    inProcess.Remove(key);
                    processed++;
                }

                queue.Done(key);
            }
        })).ToList();

        for (var i = 0; i < 2000; i++)
        {
            queue.Add("k" + (i % 3));
            if (i % 100 == 0)
            {
                await Task.Delay(1);
            }
        }

        await Eventually.TrueAsync(() => queue.Depth == 0, "the queue drains");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Equal(0, overlaps);
        Assert.True(processed >= 3);
    }
}

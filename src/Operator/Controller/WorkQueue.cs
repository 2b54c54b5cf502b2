namespace PoolOperator.Operator.Controller;

/// <summary>Backoff settings of a <see cref="WorkQueue{TKey}"/>.</summary>
public sealed record WorkQueueSettings
{
    /// <summary>The delay after a key's first failure; it doubles with each further failure.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay, however often a key has failed.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Each delay is multiplied by a random factor in [1 - Jitter, 1 + Jitter], so that keys failing together spread out.</summary>
    public double Jitter { get; init; } = 0.1;
}

/// <summary>
/// The queue of keys waiting to be reconciled. A key is held at most once however often it is added;
/// a key being processed is not handed out again until <see cref="Done"/>, and if it was added
/// meanwhile it comes back after that; failures delay a key exponentially (with jitter) until
/// <see cref="Forget"/>. All delays run on the injected <see cref="TimeProvider"/>.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name operators know it by (client-go's workqueue).")]
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock gate = new();
    private readonly Queue<TKey> queue = new();
    private readonly HashSet<TKey> dirty = [];
    private readonly HashSet<TKey> processing = [];
    private readonly Dictionary<TKey, int> failures = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> delayed = [];
    private readonly SemaphoreSlim available = new(0);
    private readonly CancellationTokenSource shutdown = new();
    private readonly TimeProvider time;
    private readonly WorkQueueSettings settings;
    private readonly Random random;

    /// <summary>Creates a queue.</summary>
    /// <param name="time">The clock of backoff and delayed adds.</param>
    /// <param name="settings">Backoff settings; defaults when null.</param>
    /// <param name="random">The source of jitter; a shared one when null (tests pass a seeded one).</param>
    public WorkQueue(TimeProvider time, WorkQueueSettings? settings = null, Random? random = null)
    {
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.settings = settings ?? new WorkQueueSettings();
        this.random = random ?? Random.Shared;
    }

    /// <summary>Keys waiting to be handed out (not counting delayed ones or ones in process).</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>Keys waiting for their delay to pass.</summary>
    public int DelayedCount
    {
        get
        {
            lock (gate)
            {
                return delayed.Count;
            }
        }
    }

    /// <summary>True after <see cref="ShutDown"/>.</summary>
    public bool IsShuttingDown => shutdown.IsCancellationRequested;

    /// <summary>Adds a key now. Nothing happens if it is already waiting.</summary>
    public void Add(TKey key)
    {
        lock (gate)
        {
            if (shutdown.IsCancellationRequested || !dirty.Add(key))
            {
                return;
            }

            if (processing.Contains(key))
            {
                // Handed out again by Done, so two workers never hold the same key.
                return;
            }

            queue.Enqueue(key);
        }

        available.Release();
    }

    /// <summary>Adds a key once <paramref name="delay"/> has passed; an earlier pending delay of the key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (gate)
        {
            if (shutdown.IsCancellationRequested)
            {
                return;
            }

            var due = time.GetUtcNow() + delay;
            if (delayed.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = time.CreateTimer(OnDelayPassed, key, delay, Timeout.InfiniteTimeSpan);
            delayed[key] = (due, timer);
        }
    }

    /// <summary>Adds a key after its backoff delay, which grows with each call until <see cref="Forget"/>.</summary>
    /// <returns>The delay chosen.</returns>
    public TimeSpan AddRateLimited(TKey key)
    {
        int count;
        lock (gate)
        {
            count = failures.GetValueOrDefault(key) + 1;
            failures[key] = count;
        }

        var delay = BackoffDelay(count);
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears a key's failure count, so its next failure starts from the base delay.</summary>
    public void Forget(TKey key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }

    /// <summary>How often a key has failed since it was last forgotten.</summary>
    public int Failures(TKey key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for a key and marks it in process; the caller must call <see cref="Done"/>.</summary>
    /// <exception cref="OperationCanceledException">When cancelled or shut down.</exception>
    public async Task<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
        while (true)
        {
            await available.WaitAsync(linked.Token);
            lock (gate)
            {
                if (queue.TryDequeue(out var key))
                {
                    dirty.Remove(key);
                    processing.Add(key);
                    return key;
                }
            }
        }
    }

    /// <summary>Marks a key's processing finished; if it was added meanwhile it is queued again.</summary>
    public void Done(TKey key)
    {
        lock (gate)
        {
            processing.Remove(key);
            if (!dirty.Contains(key) || shutdown.IsCancellationRequested)
            {
                return;
            }

            queue.Enqueue(key);
        }

        available.Release();
    }

    /// <summary>Stops handing out keys; waiting takers are cancelled and pending delays dropped.</summary>
    public void ShutDown()
    {
        lock (gate)
        {
            if (shutdown.IsCancellationRequested)
            {
                return;
            }

            shutdown.Cancel();
            foreach (var (_, timer) in delayed.Values)
            {
                timer.Dispose();
            }

            delayed.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ShutDown();
        available.Dispose();
        shutdown.Dispose();
    }

    private TimeSpan BackoffDelay(int failureCount)
    {
        var exponential = settings.BaseDelay.Ticks * Math.Pow(2, Math.Min(failureCount - 1, 30));
        var capped = Math.Min(exponential, settings.MaxDelay.Ticks);
        double factor;
        lock (gate)
        {
            factor = 1 + (settings.Jitter * ((random.NextDouble() * 2) - 1));
        }

        return TimeSpan.FromTicks((long)Math.Min(capped * factor, settings.MaxDelay.Ticks));
    }

    private void OnDelayPassed(object? state)
    {
        var key = (TKey)state!;
        lock (gate)
        {
            if (!delayed.Remove(key, out var entry))
            {
                return;
            }

            entry.Timer.Dispose();
        }

        Add(key);
    }
}

namespace PoolOperator.Operator.Leadership;

/// <summary>
/// Whether this replica leads, as a sequence of terms: each term has a token that is cancelled the
/// moment leadership is lost, and every write of the operator runs under that token, so a replica
/// that loses the lease stops writing at once.
/// </summary>
public sealed class Leadership : IDisposable
{
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private CancellationTokenSource? term;
    private TaskCompletionSource<CancellationToken> nextTerm = NewTerm();

    /// <summary>Creates the leadership of one replica, not leading.</summary>
    public Leadership(TimeProvider time) => this.time = time ?? throw new ArgumentNullException(nameof(time));

    /// <summary>When the latest term began (a <see cref="TimeProvider.GetTimestamp"/> of the time provider given).</summary>
    public long TermStartedAt { get; private set; }

    /// <summary>True while this replica leads.</summary>
    public bool IsLeader
    {
        get
        {
            lock (gate)
            {
                return term is { IsCancellationRequested: false };
            }
        }
    }

    /// <summary>The identity of the leader last observed (this replica's own when it leads), or null.</summary>
    public string? CurrentLeader { get; private set; }

    /// <summary>Raised on every change of <see cref="IsLeader"/>, with the new value.</summary>
    public event Action<bool>? Changed;

    /// <summary>Waits until this replica leads and returns the token of the term.</summary>
    public Task<CancellationToken> WaitForTermAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return nextTerm.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Starts a term.</summary>
    public void Acquire()
    {
        lock (gate)
        {
            if (term is { IsCancellationRequested: false })
            {
                return;
            }

            term?.Dispose();
            term = new CancellationTokenSource();
            TermStartedAt = time.GetTimestamp();
            nextTerm.TrySetResult(term.Token);
        }

        Changed?.Invoke(true);
    }

    /// <summary>Ends the current term: its token is cancelled before this returns.</summary>
    public void Lose()
    {
        lock (gate)
        {
            if (term is not { IsCancellationRequested: false })
            {
                return;
            }

            nextTerm = NewTerm();
            term.Cancel();
        }

        Changed?.Invoke(false);
    }

    /// <summary>Records the leader last observed.</summary>
    public void ObserveLeader(string? identity) => CurrentLeader = identity;

    /// <inheritdoc />
    public void Dispose()
    {
        lock (gate)
        {
            term?.Cancel();
            term?.Dispose();
            term = null;
        }
    }

    private static TaskCompletionSource<CancellationToken> NewTerm() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PoolOperator.Operator.Controller;

/// <summary>What a controller runner reports about each reconcile, for metrics.</summary>
public interface IReconcileObserver
{
    /// <summary>Called after each reconcile with its duration and whether it failed.</summary>
    void Reconciled(ObjectKey key, TimeSpan duration, bool failed);
}

/// <summary>
/// Runs a reconciler with N workers over a <see cref="WorkQueue{TKey}"/>: takes a key, reconciles it,
/// forgets its failures on success (requeueing when asked), and requeues it with backoff on failure.
/// The queue guarantees that no two workers hold the same key.
/// </summary>
public sealed partial class ControllerRunner
{
    private readonly WorkQueue<ObjectKey> queue;
    private readonly IReconciler reconciler;
    private readonly IReconcileObserver? observer;
    private readonly ILogger logger;
    private readonly TimeProvider time;

    /// <summary>Creates a runner.</summary>
    public ControllerRunner(WorkQueue<ObjectKey> queue, IReconciler reconciler, TimeProvider time, ILogger logger, IReconcileObserver? observer = null)
    {
        this.queue = queue ?? throw new ArgumentNullException(nameof(queue));
        this.reconciler = reconciler ?? throw new ArgumentNullException(nameof(reconciler));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.observer = observer;
    }

    /// <summary>Runs <paramref name="workers"/> workers until cancelled.</summary>
    public Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, cancellationToken);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var failed = false;
        try
        {
            var result = await reconciler.ReconcileAsync(key, cancellationToken);
            queue.Forget(key);
            if (result.RequeueAfter is { } delay)
            {
                queue.AddAfter(key, delay);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping or lost leadership: the key is reconciled again by whoever leads next.
        }
#pragma warning disable CA1031 // Any failure of one key is logged and retried; it must not stop the worker.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed = true;
            var delay = queue.AddRateLimited(key);
            LogFailed(logger, ex, key, delay);
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            observer?.Reconciled(key, elapsed, failed);
            LogReconciled(logger, key, elapsed, failed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Key} failed; retrying in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception exception, ObjectKey key, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciled {Key} in {Elapsed} (failed: {Failed})")]
    private static partial void LogReconciled(ILogger logger, ObjectKey key, TimeSpan elapsed, bool failed);
}

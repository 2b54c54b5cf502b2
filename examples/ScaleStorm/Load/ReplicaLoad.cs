using System.Data.Common;
using System.Diagnostics;
using Npgsql;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>
/// The saturating query load of one application replica: more concurrent workers than its pool
/// allows, each opening a connection, running a short query and giving it back, as a busy web
/// service would. A worker's latency includes the wait for a connection.
/// </summary>
internal sealed class ReplicaLoad : IReplica
{
    private readonly DbDataSource _dataSource;
    private readonly StormCounters _counters;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly string _sql;
    private readonly IAsyncDisposable? _companion;
    private readonly TimeSpan _grace;
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _firstConnection;

    // The companion (the grant agent, in PoolOperator mode) is told to stop with the workers and
    // finishes before the data source is disposed: it releases the share once in-flight work is done.
    public ReplicaLoad(string name, DbDataSource dataSource, int workers, TimeSpan queryDuration, TimeSpan grace, StormCounters counters, IAsyncDisposable? companion = null)
    {
        Name = name;
        _dataSource = dataSource;
        _companion = companion;
        _counters = counters;
        _grace = grace;
        _sql = queryDuration == TimeSpan.Zero ? "SELECT 1" : FormattableString.Invariant($"SELECT pg_sleep({queryDuration.TotalSeconds})");
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    public string Name { get; }

    /// <summary>From the replica's start (its agent's start) to its first open connection; null while it has none.</summary>
    public TimeSpan? FirstConnectionWait
    {
        get
        {
            var at = Interlocked.Read(ref _firstConnection);
            return at == 0 ? null : Stopwatch.GetElapsedTime(_started, at);
        }
    }

    private async Task WorkAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                // Only the wait for a connection is cancelled on stop: a query already sent runs to its
                // end, as in a service's graceful shutdown. (Cancelling it would make Npgsql send a
                // cancel request over a new connection, synchronously, to the server or the pooler.)
                await using var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                _ = Interlocked.CompareExchange(ref _firstConnection, Stopwatch.GetTimestamp(), 0);
                await using var command = connection.CreateCommand();
                command.CommandText = _sql;
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                _counters.QueryCompleted(Stopwatch.GetElapsedTime(started));
            }
#pragma warning disable CA1031 // Once the replica is stopping, whatever the last query ran into no longer counts.
            catch (Exception) when (token.IsCancellationRequested)
#pragma warning restore CA1031
            {
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections)
            {
                _counters.RefusedByServer();
                await BackOffAsync(token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A load worker counts every failure and goes on, as a service would retry.
            catch (Exception e) when (!token.IsCancellationRequested)
#pragma warning restore CA1031
            {
                _counters.Failed(e);
                await BackOffAsync(token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A refused request is retried after a short pause, like a client with a retry policy.</summary>
    private static async Task BackOffAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// SIGTERM: stops taking work, lets the queries in flight finish within the grace period, then
    /// closes the replica's connections and stops its agent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        var companionStopped = _companion?.DisposeAsync().AsTask() ?? Task.CompletedTask;
        try
        {
            await Task.WhenAll(_workers).WaitAsync(_grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _counters.Failed(new TimeoutException($"replica {Name}: workers still busy {_grace.TotalSeconds:F1} s after the stop"));
        }

        await companionStopped;
        await _dataSource.DisposeAsync();

        _stop.Dispose();
    }
}

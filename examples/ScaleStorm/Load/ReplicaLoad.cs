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
internal sealed class ReplicaLoad : IAsyncDisposable
{
    private readonly DbDataSource _dataSource;
    private readonly StormCounters _counters;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly string _sql;
    private readonly IAsyncDisposable? _companion;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    // The companion stops after the data source is gone: the replica's grant agent, in PoolOperator mode.
    public ReplicaLoad(string name, DbDataSource dataSource, int workers, TimeSpan queryDuration, StormCounters counters, IAsyncDisposable? companion = null)
    {
        Name = name;
        _dataSource = dataSource;
        _companion = companion;
        _counters = counters;
        _sql = FormattableString.Invariant($"SELECT pg_sleep({queryDuration.TotalSeconds})");
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    public string Name { get; }

    private async Task WorkAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
                command.CommandText = _sql;
                await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
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

    /// <summary>Stops the workers, lets running queries finish, then closes the replica's connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            // A worker blocked in a driver call that ignores cancellation must not hold the storm:
            // the data source's disposal below closes its connection under it.
            await Task.WhenAll(_workers).WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _counters.Failed(new TimeoutException($"replica {Name}: workers still busy {StopTimeout.TotalSeconds:F0} s after the stop"));
        }

        await _dataSource.DisposeAsync();
        if (_companion is not null)
        {
            await _companion.DisposeAsync();
        }

        _stop.Dispose();
    }
}

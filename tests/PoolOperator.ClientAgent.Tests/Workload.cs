using System.Data.Common;

namespace PoolOperator.ClientAgent.Tests;

/// <summary>Concurrent workers that open a connection, run a short query and close it, over and over.</summary>
internal sealed class Workload : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private int _completed;

    /// <param name="dataSource">The data source to load.</param>
    /// <param name="workers">How many run at once.</param>
    /// <param name="queryTime">How long each query holds its connection.</param>
    /// <param name="mixPaths">Whether workers rotate through every open path (open, create+open, command, batch, sync open).</param>
    public Workload(BudgetedDataSource dataSource, int workers, TimeSpan queryTime, bool mixPaths = false)
    {
        var sql = $"SELECT pg_sleep({queryTime.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        _workers = Enumerable.Range(0, workers)
            .Select(i => Task.Run(() => RunAsync(dataSource, sql, mixPaths ? i % 5 : 0)))
            .ToArray();
    }

    public int Completed => Volatile.Read(ref _completed);

    public Exception? Failure { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
        if (Failure is not null)
        {
            throw new InvalidOperationException("A worker failed.", Failure);
        }
    }

    private async Task RunAsync(BudgetedDataSource dataSource, string sql, int path)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(dataSource, sql, path, _stop.Token);
                Interlocked.Increment(ref _completed);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (DbException) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Recorded and rethrown by DisposeAsync.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Failure ??= exception;
                return;
            }
        }
    }

    private static async Task RunOnceAsync(BudgetedDataSource dataSource, string sql, int path, CancellationToken cancellationToken)
    {
        switch (path)
        {
            case 0:
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync(cancellationToken);
                break;
            }

            case 1:
            {
                await using var connection = dataSource.CreateConnection();
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync(cancellationToken);
                break;
            }

            case 2:
            {
                await using var command = dataSource.CreateCommand(sql);
                await command.ExecuteNonQueryAsync(cancellationToken);
                break;
            }

            case 3:
            {
                await using var batch = dataSource.CreateBatch();
                var batchCommand = batch.CreateBatchCommand();
                batchCommand.CommandText = sql;
                batch.BatchCommands.Add(batchCommand);
                await batch.ExecuteNonQueryAsync(cancellationToken);
                break;
            }

            default:
            {
                // The synchronous path, on a thread of its own so it blocks nobody else.
                await Task.Run(
                    () =>
                    {
                        using var connection = dataSource.OpenConnection();
                        using var command = connection.CreateCommand();
                        command.CommandText = sql;
                        command.ExecuteNonQuery();
                    },
                    cancellationToken);
                break;
            }
        }
    }
}

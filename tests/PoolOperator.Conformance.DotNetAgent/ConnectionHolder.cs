using System.Globalization;
using PoolOperator.ClientAgent;

namespace PoolOperator.Conformance.DotNetAgent;

/// <summary>
/// Keeps connections busy for the conformance suite: each hold opens a connection through the agent's data source
/// (waiting at the gate as long as it takes), runs a query and keeps it open until released.
/// </summary>
internal sealed class ConnectionHolder(BudgetedDataSource dataSource)
{
    private readonly Lock _lock = new();
    private readonly List<CancellationTokenSource> _holds = [];
    private int _open;

    /// <summary>Runs one command line: <c>hold N</c>, <c>release N</c> or <c>held</c>; returns the reply line.</summary>
    public string Command(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0)
        {
            return "error empty command";
        }

        var count = 0;
        if (fields.Length > 1 && (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 0))
        {
            return $"error {fields[0]} needs a count";
        }

        switch (fields[0])
        {
            case "hold":
                for (var i = 0; i < count; i++)
                {
                    Hold();
                }

                return "ok";
            case "release":
                Release(count);
                return "ok";
            case "held":
                return "held " + Volatile.Read(ref _open).ToString(CultureInfo.InvariantCulture);
            default:
                return "error unknown command " + fields[0];
        }
    }

    /// <summary>Releases every hold (when the process stops).</summary>
    public void ReleaseAll()
    {
        lock (_lock)
        {
            Release(_holds.Count);
        }
    }

    private void Hold()
    {
        var release = new CancellationTokenSource();
        lock (_lock)
        {
            _holds.Add(release);
        }

        var token = release.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(token);
                await using (var command = connection.CreateCommand())
                {
                    command.CommandText = "SELECT 1";
                    await command.ExecuteScalarAsync(token);
                }

                Interlocked.Increment(ref _open);
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }
            }
            catch (OperationCanceledException)
            {
                // Released before the connection opened: the wait is abandoned.
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.Data.Common.DbException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"hold: {exception.Message}");
            }
        });
    }

    private void Release(int count)
    {
        lock (_lock)
        {
            for (; count > 0 && _holds.Count > 0; count--)
            {
                _holds[0].Cancel();
                _holds[0].Dispose();
                _holds.RemoveAt(0);
            }
        }
    }
}

using Npgsql;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Counts, as often as it can, the sessions <c>pg_stat_activity</c> shows for one role (the budget's
/// application connects as it), from the start of the install to the end of the test: the server is the judge
/// of whether the pods ever held more than the budget.
/// </summary>
internal sealed class ConnectionSampler : IAsyncDisposable
{
    private readonly NpgsqlDataSource _admin;
    private readonly string _role;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _max;
    private int _samples;

    private ConnectionSampler(NpgsqlDataSource admin, string role)
    {
        _admin = admin;
        _role = role;
        _loop = Task.Run(SampleAsync);
    }

    /// <summary>The most sessions of the role seen at once.</summary>
    public int Max => Volatile.Read(ref _max);

    /// <summary>How many samples were taken (a test that took none proved nothing).</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>Starts sampling <paramref name="role"/>'s sessions through <paramref name="adminConnectionString"/> (a superuser).</summary>
    public static ConnectionSampler Start(string adminConnectionString, string role)
    {
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { ApplicationName = "end-to-end-sampler", MaxPoolSize = 1 };
        return new ConnectionSampler(NpgsqlDataSource.Create(builder), role);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _admin.DisposeAsync();
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        await using var connection = await _admin.OpenConnectionAsync(_stop.Token);
        await using var command = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE usename = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _role });
        await command.PrepareAsync(_stop.Token);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var count = (int)(await command.ExecuteScalarAsync(_stop.Token))!;
                InterlockedMax(ref _max, count);
                Interlocked.Increment(ref _samples);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

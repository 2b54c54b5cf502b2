using System.Diagnostics;
using Npgsql;

namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>
/// Samples the server's client connections from pg_stat_activity every few milliseconds over one
/// dedicated superuser connection (not counted), with the replicas' demand at that moment, and
/// keeps the timeline for the chart and the utilization.
/// </summary>
internal sealed class ConnectionSampler : IAsyncDisposable
{
    private const string CountSql =
        "SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";

    private readonly NpgsqlConnection _connection;
    private readonly TimeSpan _interval;
    private readonly List<ConnectionSample> _timeline = [];
    private readonly Func<int> _demand;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _peak;
    private int _latest;
    private int _disposed;

    public ConnectionSampler(string adminConnectionString, TimeSpan interval, Func<int> demand)
    {
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false, ApplicationName = "scale-storm-sampler" };
        _connection = new NpgsqlConnection(builder.ConnectionString);
        _interval = interval;
        _demand = demand;
    }

    public int Peak => Volatile.Read(ref _peak);

    public int Latest => Volatile.Read(ref _latest);

    public IReadOnlyList<ConnectionSample> Timeline
    {
        get
        {
            lock (_lock)
            {
                return [.. _timeline];
            }
        }
    }

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await _connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(CountSql, _connection);
        await command.PrepareAsync(cancellationToken);
    }

    /// <summary>Starts sampling; the timeline's times are the clock's.</summary>
    public void Start(Stopwatch clock) => _loop = Task.Run(() => LoopAsync(clock), CancellationToken.None);

    private async Task LoopAsync(Stopwatch clock)
    {
        await using var command = new NpgsqlCommand(CountSql, _connection);
        while (!_stop.IsCancellationRequested)
        {
            var demand = _demand();
            var connections = (int)(await command.ExecuteScalarAsync(_stop.Token).ConfigureAwait(false) ?? 0);
            Volatile.Write(ref _latest, connections);
            if (connections > _peak)
            {
                Volatile.Write(ref _peak, connections);
            }

            lock (_lock)
            {
                _timeline.Add(new ConnectionSample(clock.Elapsed, connections, demand));
            }

            try
            {
                await Task.Delay(_interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopping mid-query is how the loop ends.
            }
        }

        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}

using System.Diagnostics.Metrics;

namespace PoolOperator.ClientAgent;

/// <summary>Physical connections of one Npgsql pool at one moment.</summary>
/// <param name="Idle">Open connections waiting in the pool.</param>
/// <param name="Used">Open connections handed out.</param>
public readonly record struct PhysicalConnections(int Idle, int Used)
{
    /// <summary>All physical connections: what the server sees.</summary>
    public int Total => Idle + Used;
}

/// <summary>
/// Reads the physical connections of one Npgsql data source from Npgsql's own meter: the observable
/// <c>db.client.connection.count</c> instrument, tagged <c>db.client.connection.pool.name</c> and
/// <c>db.client.connection.state</c> (idle/used). Checked against Npgsql 10.0.3: Npgsql keeps its pool
/// statistics internal, and this instrument is the public view of them. Npgsql reports both states of every live data
/// source on each collection, so a pool that reported nothing means the instrument is absent: no measurement, and the
/// agent acknowledges no shrink (it cannot tell what it holds).
/// </summary>
internal sealed class PhysicalConnectionMeter : IDisposable
{
    internal const string NpgsqlMeterName = "Npgsql";
    internal const string ConnectionCountInstrument = "db.client.connection.count";
    private const string PoolNameTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";

    private readonly Lock _lock = new();
    private readonly MeterListener _listener;
    private readonly string _poolName;
    private int _idle;
    private int _used;
    private bool _reported;

    public PhysicalConnectionMeter(string poolName)
    {
        _poolName = poolName;
        _listener = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == NpgsqlMeterName && instrument.Name == ConnectionCountInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<int>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Collects the instrument now and returns this pool's counts, or null when the pool reported nothing.</summary>
    public PhysicalConnections? Measure()
    {
        lock (_lock)
        {
            _idle = 0;
            _used = 0;
            _reported = false;

            // Callbacks run synchronously on this thread, inside the lock (Lock is re-entrant).
            _listener.RecordObservableInstruments();
            return _reported ? new PhysicalConnections(_idle, _used) : null;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? pool = null;
        string? connectionState = null;
        foreach (var tag in tags)
        {
            if (tag.Key == PoolNameTag)
            {
                pool = tag.Value as string;
            }
            else if (tag.Key == StateTag)
            {
                connectionState = tag.Value as string;
            }
        }

        if (pool != _poolName)
        {
            return;
        }

        lock (_lock)
        {
            _reported = true;
            if (connectionState == "idle")
            {
                _idle += value;
            }
            else if (connectionState == "used")
            {
                _used += value;
            }
        }
    }
}

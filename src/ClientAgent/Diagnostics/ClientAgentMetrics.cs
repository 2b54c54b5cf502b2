using System.Diagnostics.Metrics;

namespace PoolOperator.ClientAgent;

/// <summary>
/// The agent's instruments on the <c>PoolOperator.ClientAgent</c> meter, named after the OpenTelemetry database
/// client conventions (<c>db.client.connection.*</c>) under the library's own prefix. Every measurement carries the
/// budget and the pool name, so several data sources in one process stay apart.
/// </summary>
internal sealed class ClientAgentMetrics : IDisposable
{
    /// <summary>The meter's name, to subscribe to in OpenTelemetry (<c>AddMeter("PoolOperator.ClientAgent")</c>).</summary>
    public const string MeterName = "PoolOperator.ClientAgent";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly Histogram<double> _waitTime;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _bypassed;
    private readonly Counter<long> _leaks;
    private readonly Counter<long> _fallbacks;

    public ClientAgentMetrics(IMeterFactory? meterFactory, string budgetName, string poolName)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _tags =
        [
            new("pooloperator.budget", budgetName),
            new("db.client.connection.pool.name", poolName),
        ];
        _waitTime = _meter.CreateHistogram<double>(
            "pooloperator.client.connection.wait_time", "s", "Time opens spent waiting at the gate for a slot.");
        _timeouts = _meter.CreateCounter<long>(
            "pooloperator.client.connection.timeouts", "{timeout}", "Opens that timed out waiting at the gate.");
        _bypassed = _meter.CreateCounter<long>(
            "pooloperator.client.connection.bypassed", "{connection}", "Connections opened without passing the gate, counted after the fact.");
        _leaks = _meter.CreateCounter<long>(
            "pooloperator.client.connection.leaks", "{connection}", "Connections held longer than the leak threshold.");
        _fallbacks = _meter.CreateCounter<long>(
            "pooloperator.client.grant.fallbacks", "{fallback}", "Times the fallback limit was applied because no grant arrived in time.");
    }

    /// <summary>Registers the observable instruments that read the gate and the pool.</summary>
    public void Observe(ConnectionGate gate, PhysicalConnectionMeter physical, Func<bool> usingFallback)
    {
        _meter.CreateObservableUpDownCounter(
            "pooloperator.client.connection.limit",
            () => new Measurement<int>(gate.Limit, _tags),
            "{connection}",
            "The connection limit in force (the applied grant).");
        _meter.CreateObservableUpDownCounter<int>(
            "pooloperator.client.connection.count",
            () =>
            {
                var snapshot = gate.Snapshot();
                var pool = physical.Measure() ?? default;
                return (IEnumerable<Measurement<int>>)
                [
                    new Measurement<int>(snapshot.InUse, [.. _tags, new("db.client.connection.state", "used")]),
                    new Measurement<int>(pool.Idle, [.. _tags, new("db.client.connection.state", "idle")]),
                ];
            },
            "{connection}",
            "Connections handed out by the gate (used) and idle in the pool.");
        _meter.CreateObservableUpDownCounter(
            "pooloperator.client.connection.pending_requests",
            () => new Measurement<int>(gate.Snapshot().Waiting, _tags),
            "{request}",
            "Opens waiting at the gate.");
        _meter.CreateObservableUpDownCounter(
            "pooloperator.client.grant.fallback_active",
            () => new Measurement<int>(usingFallback() ? 1 : 0, _tags),
            "{state}",
            "1 while the fallback limit is in force because no grant arrived.");
    }

    public void RecordWait(TimeSpan waited) => _waitTime.Record(waited.TotalSeconds, _tags);

    public void RecordTimeout() => _timeouts.Add(1, _tags);

    public void RecordBypass() => _bypassed.Add(1, _tags);

    public void RecordLeak() => _leaks.Add(1, _tags);

    public void RecordFallback() => _fallbacks.Add(1, _tags);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}

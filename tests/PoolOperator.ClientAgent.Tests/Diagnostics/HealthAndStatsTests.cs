using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Diagnostics;

/// <summary>The health check, the Stats() snapshot and the meter.</summary>
[Collection(PostgresTests.Name)]
public sealed class HealthAndStatsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Health_is_degraded_while_waiters_time_out_and_healthy_again_after_the_window()
    {
        var time = new FakeTimeProvider();
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("health"), limit: 1, options =>
        {
            options.AcquireTimeout = TimeSpan.FromSeconds(5);
            options.HealthDegradedWindow = TimeSpan.FromMinutes(1);
        }, time);
        var check = new ClientAgentHealthCheck(dataSource);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(check)).Status);

        await using var held = await dataSource.OpenConnectionAsync();
        var waiter = dataSource.OpenConnectionAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<ConnectionBudgetTimeoutException>(() => waiter);

        var degraded = await CheckAsync(check);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("test-budget", degraded.Description, StringComparison.Ordinal);
        Assert.Equal(1L, degraded.Data["timeouts"]);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(check)).Status);
    }

    [Fact]
    public async Task Stats_report_limit_in_use_idle_waiting_and_waits()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("stats"), limit: 2);
        await using (await dataSource.OpenConnectionAsync())
        {
        }

        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        var waiter = dataSource.OpenConnectionAsync().AsTask();
        await Eventually.TrueAsync(() => dataSource.Stats().Waiting == 1, "one waiter");

        var busy = dataSource.Stats();
        Assert.Equal(2, busy.Limit);
        Assert.Equal(2, busy.InUse);
        Assert.Equal(2, busy.Physical);
        Assert.Equal(0, busy.Idle);

        await first.CloseAsync();
        await using var third = await waiter;
        await second.CloseAsync();

        var after = dataSource.Stats();
        Assert.Equal(1, after.InUse);
        Assert.Equal(1, after.Idle);
        Assert.Equal(0, after.Waiting);
        Assert.Equal(1, after.WaitCount);
        Assert.True(after.WaitDuration > TimeSpan.Zero);
    }

    [Fact]
    public async Task The_meter_reports_limit_connections_and_waits_under_the_budget_tag()
    {
        var budget = "meter-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("meter"), limit: 3, options => options.BudgetName = budget);
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "PoolOperator.ClientAgent")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var matches = false;
            var state = "";
            foreach (var tag in tags)
            {
                matches |= tag.Key == "pooloperator.budget" && (string?)tag.Value == budget;
                state = tag.Key == "db.client.connection.state" ? (string)tag.Value! : state;
            }

            if (matches)
            {
                lock (seen)
                {
                    seen[instrument.Name + (state.Length > 0 ? "/" + state : "")] = value;
                }
            }
        }

        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await using var connection = await dataSource.OpenConnectionAsync();
        listener.RecordObservableInstruments();

        Assert.Equal(3, seen["pooloperator.client.connection.limit"]);
        Assert.Equal(1, seen["pooloperator.client.connection.count/used"]);
        Assert.Equal(0, seen["pooloperator.client.connection.pending_requests"]);
        Assert.Equal(0, seen["pooloperator.client.grant.fallback_active"]);
    }

    private static Task<HealthCheckResult> CheckAsync(ClientAgentHealthCheck check) =>
        check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("agent", check, null, null) });
}

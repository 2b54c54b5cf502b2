using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.ScaleStorm.Measurement;
using Xunit.Abstractions;

namespace PoolOperator.ScaleStorm.Tests;

/// <summary>
/// The end-to-end proof: the same short storm (3 -> 8 -> 2 -> 10 replicas of 40 saturating workers,
/// a real PostgreSQL with max_connections 100, a budget of 90) breaks static pools, leaves
/// PoolOperator within its budget with no 53300 error, and runs PgBouncer without a failed request.
/// All are asserted, so the test shows it measures something. No timing is asserted.
/// </summary>
public sealed class ScaleStormTests(StormServerFixture server, ITestOutputHelper output) : IClassFixture<StormServerFixture>
{
    // Short: CI runs the whole suite in minutes. Pods start in 1 s so each step's new pods serve within it.
    private static readonly string[] ShortStorm = ["--script", "3,8@1s,2@4s,10@6s", "--duration", "9", "--pod-start", "1s", "--pod-stop", "2s", "--quiet"];

    [Fact]
    public async Task PoolOperator_mode_keeps_every_replica_within_the_budget()
    {
        var result = await RunAsync(StormMode.PoolOperator);

        Assert.Equal(0, result.TooManyClients);
        Assert.True(result.PeakConnections <= result.Available, $"peak {result.PeakConnections} > available {result.Available}");
        Assert.True(result.QueriesPerSecond > 0, "the replicas ran no queries");

        // The new columns are measured: every scaled-up pod that served reports its first connection,
        // and the utilization is a share of what the running replicas could use.
        Assert.NotEmpty(result.FirstConnectionWaits);
        Assert.InRange(result.Utilization, 0.0, 1.0);
        Assert.NotNull(result.LowestDuringStep);
        Assert.Equal([3, 8, 2, 10], result.Steps.Select(s => s.Replicas));

        // Time to acknowledgement is reported, not asserted: on a loaded machine a step may not
        // settle before the next one, which is information, not a failure.
    }

    [Fact]
    public async Task Static_mode_shows_the_problem_the_operator_solves()
    {
        var result = await RunAsync(StormMode.Static);

        Assert.True(
            result.TooManyClients > 0 || result.PeakConnections > result.Available,
            $"static pools stayed within the budget (peak {result.PeakConnections}, 53300 errors {result.TooManyClients}): the storm is too weak to prove anything");
    }

    [Fact]
    public async Task PgBouncer_mode_serves_every_request_and_stops_replicas_within_their_grace()
    {
        // Replicas used to cancel in-flight queries on stop: Npgsql's synchronous cancel requests through
        // PgBouncer stalled the whole load and left workers busy past the grace ("workers still busy").
        var result = await RunAsync(StormMode.PgBouncer);

        Assert.Equal(0, result.TooManyClients);
        Assert.True(result.OtherErrors == 0, "failed requests: " + result.FirstOtherError);
        Assert.True(result.PeakConnections <= result.Available, $"peak {result.PeakConnections} > available {result.Available}");
    }

    private async Task<ModeResult> RunAsync(StormMode mode)
    {
        var options = StormOptions.Parse(ShortStorm);
        var log = new StringWriter();
        var runner = new StormRunner(options, server.ApplicationConnectionString, server.ConnectionString, NullLoggerFactory.Instance, new Reporting.PlainProgress(log, quiet: false));
        var result = await runner.RunAsync(mode, 1, CancellationToken.None);
        output.WriteLine(log.ToString());
        output.WriteLine(Reporting.ResultTable.Render([result]));
        await ServerSettings.WaitForNoClientsAsync(server.ConnectionString, "storm_app", TimeSpan.FromSeconds(10), CancellationToken.None);
        return result;
    }
}

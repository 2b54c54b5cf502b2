using Microsoft.Extensions.Logging;
using Npgsql;
using PoolOperator.ScaleStorm;
using PoolOperator.ScaleStorm.Infrastructure;
using PoolOperator.ScaleStorm.Measurement;
using PoolOperator.ScaleStorm.Reporting;
using PoolOperator.Testing;

// The scale storm: one PostgreSQL server, a scripted HPA, and the same saturating load in three
// modes (static pools, PgBouncer, PoolOperator), each run --repeat times, interleaved.
// Exit codes: 0 done, 2 bad option or missing prerequisite.
StormOptions options;
try
{
    options = StormOptions.Parse(args);
}
catch (StormOptionException e)
{
    await Console.Error.WriteLineAsync("scale-storm: " + e.Message);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(StormOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();

// SIGINT (Ctrl+C) and SIGTERM (kill, a CI step's timeout) both cancel the run, so the finally blocks below stop
// PostgreSQL, PgBouncer, the local cluster and every replica instead of leaving them behind.
void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);

// The live table redraws the terminal: only errors may print under it. Plain output keeps warnings.
var live = !options.Quiet && LiveTableProgress.Supported;
using var loggers = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(live ? LogLevel.Error : LogLevel.Warning)
    .AddSimpleConsole(console => console.SingleLine = true));

PostgresServer? ownServer = null;
string connectionString;
string adminConnectionString;
try
{
    if (options.ConnectionString is { } given)
    {
        connectionString = adminConnectionString = given;
        options.UseServerMaxConnections(await ServerSettings.MaxConnectionsAsync(given, cancel.Token));
    }
    else
    {
        Console.WriteLine($"Starting PostgreSQL with max_connections={options.MaxConnections} in a temporary directory...");
        ownServer = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = options.MaxConnections }, cancel.Token);
        adminConnectionString = ownServer.ConnectionString;
        connectionString = await ServerSettings.CreateApplicationRoleAsync(adminConnectionString, cancel.Token);
    }
}
catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or DirectoryNotFoundException or NpgsqlException)
{
    await Console.Error.WriteLineAsync("scale-storm: cannot get a PostgreSQL server: " + e.Message);
    return 2;
}

await using (ownServer)
{
    var query = options.QueryDuration == TimeSpan.Zero ? "SELECT 1" : $"pg_sleep {options.QueryDuration.TotalMilliseconds:F0} ms";
    Console.WriteLine($"Budget: max_connections {options.MaxConnections} - {options.ReservedConnections} reserved = {options.Available} available. HPA script: {options.Script}; pods start in {options.PodStart.TotalSeconds:0.###} s, stop within {options.PodStop.TotalSeconds:0.###} s; {options.WorkersPerReplica} workers per replica, {query}; {options.Duration.TotalSeconds:F0} s per run, {options.Repeat} runs per mode, interleaved.");
    var applicationUser = new NpgsqlConnectionStringBuilder(connectionString).Username ?? "";
    IStormProgress progress = live ? new LiveTableProgress($"Scale storm {options.Script}") : new PlainProgress(Console.Out, options.Quiet);
    string? goReplica = null;
    if (options.Agent != AgentKind.DotNet && options.Modes.Contains(StormMode.PoolOperator))
    {
        Console.WriteLine("Building the Go replica (examples/ScaleStorm/GoReplica)...");
        try
        {
            goReplica = await GoReplicaBuild.BuildAsync(cancel.Token);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync("scale-storm: --agent " + options.Agent.ToString().ToLowerInvariant() + ": " + e.Message);
            return 2;
        }
    }

    var runner = new StormRunner(options, connectionString, adminConnectionString, loggers, progress, goReplica);

    async Task<List<ModeResult>> RunAllAsync()
    {
        var results = new List<ModeResult>();
        var skipped = new HashSet<StormMode>();
        for (var run = 1; run <= options.Repeat; run++)
        {
            foreach (var mode in options.Modes.Where(m => !skipped.Contains(m)))
            {
                try
                {
                    results.Add(await runner.RunAsync(mode, run, cancel.Token));
                }
                catch (InvalidOperationException e) when (e.Message.Contains("PgBouncer", StringComparison.Ordinal))
                {
                    progress.Note("scale-storm: skipping PgBouncer mode: " + e.Message);
                    skipped.Add(mode);
                }

                await ServerSettings.WaitForNoClientsAsync(adminConnectionString, applicationUser, TimeSpan.FromSeconds(10), cancel.Token);
            }
        }

        return results;
    }

    var results = live ? await ((LiveTableProgress)progress).ShowAsync(RunAllAsync) : await RunAllAsync();
    var table = ResultTable.Render(results) + Environment.NewLine + ResultTable.RenderRuns(results);
    Console.WriteLine();
    Console.WriteLine(table);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ChartPath))!);
    await File.WriteAllTextAsync(options.ChartPath, ConnectionChart.Render(results, options.MaxConnections, $"Server connections during the scale storm ({options.Script}, pods start in {options.PodStart.TotalSeconds:0.###} s)"));
    Console.WriteLine($"Chart: {Path.GetFullPath(options.ChartPath)}");
    if (goReplica is not null)
    {
        File.Delete(goReplica);
    }
    if (options.TablePath is { } tablePath)
    {
        await File.WriteAllTextAsync(tablePath, table);
    }
}

return 0;

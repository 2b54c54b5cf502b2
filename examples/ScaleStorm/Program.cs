using Microsoft.Extensions.Logging;
using Npgsql;
using PoolOperator.ScaleStorm;
using PoolOperator.ScaleStorm.Measurement;
using PoolOperator.ScaleStorm.Reporting;
using PoolOperator.Testing;

// The scale storm: one PostgreSQL server, a scripted HPA, and the same saturating load in three
// modes (static pools, PgBouncer, PoolOperator). Exit codes: 0 done, 2 bad option or missing prerequisite.
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
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var loggers = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Warning)
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
    Console.WriteLine($"Budget: max_connections {options.MaxConnections} - {options.ReservedConnections} reserved = {options.Available} available. HPA script: {options.Script}; {options.WorkersPerReplica} workers per replica; {options.Duration.TotalSeconds:F0} s per mode.");
    var runner = new StormRunner(options, connectionString, adminConnectionString, loggers, Console.Out);
    var results = new List<ModeResult>();
    foreach (var mode in options.Modes)
    {
        Console.WriteLine($"--- {StormRunner.Label(mode)} ---");
        try
        {
            results.Add(await runner.RunAsync(mode, cancel.Token));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("PgBouncer", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync("scale-storm: skipping PgBouncer mode: " + e.Message);
        }

        await ServerSettings.WaitForNoClientsAsync(adminConnectionString, TimeSpan.FromSeconds(10), cancel.Token);
    }

    var table = ResultTable.Render(results);
    Console.WriteLine();
    Console.WriteLine(table);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ChartPath))!);
    await File.WriteAllTextAsync(options.ChartPath, ConnectionChart.Render(results, options.MaxConnections, $"Server connections during the scale storm ({options.Script})"));
    Console.WriteLine($"Chart: {Path.GetFullPath(options.ChartPath)}");
    if (options.TablePath is { } tablePath)
    {
        await File.WriteAllTextAsync(tablePath, table);
    }
}

return 0;

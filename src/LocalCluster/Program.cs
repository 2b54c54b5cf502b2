using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster;
using PoolOperator.LocalCluster.Simulation;

// Runs the local cluster for a person: writes a kubeconfig, prints how to use it, and serves until Ctrl+C,
// with the workload simulator keeping Deployment and StatefulSet pods at their replicas.
// Usage: dotnet run --project src/LocalCluster -- [--port N] [--kubeconfig PATH] [--crds DIR_OR_FILE]... [--run IMAGE=COMMAND]... [--no-simulator] [--verbose]
var options = new LocalClusterOptions { Port = 0 };
var kubeconfig = Path.Combine(Directory.GetCurrentDirectory(), ".local-cluster", "kubeconfig");
var simulate = true;
var level = LogLevel.Information;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port":
            options.Port = int.TryParse(Value(), out var port) && port is >= 0 and <= 65535
                ? port
                : throw new ArgumentException("--port must be a number from 0 to 65535");
            break;
        case "--kubeconfig":
            kubeconfig = Value();
            break;
        case "--crds" or "--manifests":
            options.ManifestPaths.Add(Value());
            break;
        case "--run":
            var run = PoolOperator.LocalCluster.Processes.ProcessImageMap.ParseOption(Value());
            options.ProcessImages[run.Key] = run.Value;
            break;
        case "--no-simulator":
            simulate = false;
            break;
        case "--verbose":
            level = LogLevel.Debug;
            break;
        case "--help" or "-h":
            Console.WriteLine("usage: PoolOperator.LocalCluster [--port N] [--kubeconfig PATH] [--crds DIR_OR_FILE]... [--run IMAGE=COMMAND]... [--no-simulator] [--verbose]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}' (try --help)");
            return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => console.SingleLine = true)
    .AddFilter("Microsoft", LogLevel.Warning)
    .SetMinimumLevel(level));
options.LoggerFactory = loggerFactory;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

await using var server = await LocalKubernetesServer.StartAsync(options);
var written = server.WriteKubeconfig(kubeconfig);
Console.WriteLine($"PoolOperator local cluster listening on {server.BaseAddress}");
Console.WriteLine($"export KUBECONFIG={written}");

WorkloadSimulator? simulator = null;
if (simulate)
{
    simulator = new WorkloadSimulator(server.CreateClient(), new WorkloadSimulatorOptions { ProcessImages = server.ProcessImages }, TimeProvider.System, loggerFactory.CreateLogger<WorkloadSimulator>());
    simulator.Start();
}

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("stopping");
}

if (simulator is not null)
{
    await simulator.DisposeAsync();
}

return 0;

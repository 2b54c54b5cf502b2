using System.Globalization;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using PoolOperator.ClientAgent;
using PoolOperator.Conformance.DotNetAgent;

// The .NET agent as the conformance suite drives it (docs/protocol.md, "Conformance suite"): a host with the
// budgeted data source, following the pod's grant through the kubeconfig in KUBECONFIG, holding connections on
// command. Commands on stdin, one reply line each on stdout; logs go to stderr.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

var connectionString = new NpgsqlConnectionStringBuilder
{
    Host = Environment.GetEnvironmentVariable("CONFORMANCE_PG_HOST"),
    Port = int.Parse(Environment.GetEnvironmentVariable("CONFORMANCE_PG_PORT") ?? "5432", CultureInfo.InvariantCulture),
    Username = Environment.GetEnvironmentVariable("CONFORMANCE_PG_USER"),
    Database = Environment.GetEnvironmentVariable("CONFORMANCE_PG_DATABASE"),
    // Step 9 of the protocol: the suite counts this pod's backends by application_name.
    ApplicationName = Environment.GetEnvironmentVariable("POD_NAME"),
}.ConnectionString;

builder.Services.AddPoolOperatorDataSource(connectionString, options =>
{
    options.MaxPoolSize = int.Parse(Environment.GetEnvironmentVariable("POOLOPERATOR_MAX_OPEN_CONNS") ?? "10", CultureInfo.InvariantCulture);
    options.FallbackLimit = 0;
    options.StartupGrantWait = TimeSpan.FromMinutes(10);
    options.AcquireTimeout = Timeout.InfiniteTimeSpan;
    options.ResizePollInterval = TimeSpan.FromMilliseconds(20);
    options.WatchBackoffInitial = TimeSpan.FromMilliseconds(50);
    options.WatchBackoffMax = TimeSpan.FromMilliseconds(200);
});
var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG")
    ?? throw new InvalidOperationException("KUBECONFIG is required: the kubeconfig of the cluster holding the grant.");
builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)));
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(60));

using var host = builder.Build();
await host.StartAsync();
var holder = new ConnectionHolder(host.Services.GetRequiredService<BudgetedDataSource>());
Task? stop = null;

Console.Out.WriteLine("ready");
Console.Out.Flush();
var input = Task.Run(() => Console.In.ReadLine());
while (true)
{
    var finished = await Task.WhenAny(input, stop ?? Task.Delay(Timeout.Infinite));
    if (finished == stop)
    {
        holder.ReleaseAll();
        Reply("stopped");
        return 0;
    }

    var line = await input;
    if (line is null)
    {
        stop ??= host.StopAsync();
        input = new TaskCompletionSource<string?>().Task;
        continue;
    }

    if (line.Trim() == "stop")
    {
        stop ??= host.StopAsync();
        Reply("ok");
    }
    else
    {
        Reply(holder.Command(line));
    }

    input = Task.Run(() => Console.In.ReadLine());
}

static void Reply(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PoolOperator.ScaleStorm.Infrastructure;

/// <summary>
/// A PgBouncer process in transaction pooling mode, in front of one PostgreSQL server, with a server
/// pool sized to the budget: the central pooler users would otherwise pick, in its best configuration
/// for this load (see docs/benchmarks.md, "PgBouncer at its best"). Runs as the postgres user when
/// started as root (PgBouncer refuses to run as root).
/// </summary>
internal sealed class PgBouncerServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private PgBouncerServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lastLines = new();

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lastLines.Enqueue(line);
        while (_lastLines.Count > 20 && _lastLines.TryDequeue(out _))
        {
        }
    }

    private static readonly string[] Candidates = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"];

    public static string? Locate() => Candidates.FirstOrDefault(File.Exists);

    public static async Task<PgBouncerServer> StartAsync(NpgsqlConnectionStringBuilder server, int poolSize, CancellationToken cancellationToken)
    {
        var binary = Locate() ?? throw new InvalidOperationException(
            "PgBouncer is not installed. Install it with: apt-get install -y pgbouncer (or run the storm with --mode static,pooloperator).");
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("scale-storm-pgbouncer-").FullName;
        var config = Path.Combine(directory, "pgbouncer.ini");
        var users = Path.Combine(directory, "userlist.txt");
        await File.WriteAllTextAsync(users, $"\"{server.Username}\" \"\"\n", cancellationToken);
        var ini = string.Join('\n',
            "[databases]",
            string.Create(CultureInfo.InvariantCulture, $"* = host={server.Host} port={server.Port}"),
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            string.Create(CultureInfo.InvariantCulture, $"listen_port = {port}"),
            "unix_socket_dir =",
            "auth_type = trust",
            $"auth_file = {users}",
            "pool_mode = transaction",
            string.Create(CultureInfo.InvariantCulture, $"default_pool_size = {poolSize}"),
            string.Create(CultureInfo.InvariantCulture, $"max_db_connections = {poolSize}"),
            // The whole budget is opened at start and kept: no server connection is ever opened mid-storm.
            string.Create(CultureInfo.InvariantCulture, $"min_pool_size = {poolSize}"),
            "reserve_pool_size = 0",
            "max_client_conn = 10000",
            // A scale-up connects hundreds of clients at once: the default backlog of 128 overflows and
            // the kernel makes the rest retry their SYN after a second.
            "listen_backlog = 4096",
            "ignore_startup_parameters = extra_float_digits,options",
            "server_reset_query =",
            "log_connections = 0",
            "log_disconnections = 0",
            "log_stats = 0",
            $"logfile = {Path.Combine(directory, "pgbouncer.log")}",
            "");
        await File.WriteAllTextAsync(config, ini, cancellationToken);

        var start = Environment.UserName == "root"
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", binary, config])
            : new ProcessStartInfo(binary, [config]);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["-R", "postgres", directory], cancellationToken);
        }

        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("PgBouncer did not start");
        var bouncer = new PgBouncerServer(process, directory, port);

        // PgBouncer also logs to its standard streams: they must be drained, or a full pipe stops it mid-storm.
        process.OutputDataReceived += (_, line) => bouncer.Remember(line.Data);
        process.ErrorDataReceived += (_, line) => bouncer.Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await bouncer.WaitUntilListeningAsync(cancellationToken);
        return bouncer;
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                var log = Path.Combine(_directory, "pgbouncer.log");
                throw new InvalidOperationException("PgBouncer exited: " + string.Join('\n', _lastLines)
                    + (File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken) : ""));
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException("PgBouncer did not listen on port " + Port.ToString(CultureInfo.InvariantCulture) + " within 15 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)) ?? throw new InvalidOperationException(file + " did not start");
        await process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed; its exit is the operating system's business now.
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

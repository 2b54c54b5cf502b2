using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PoolOperator.Testing;

/// <summary>
/// A throwaway PostgreSQL server: <c>initdb</c> into a fresh temporary directory, <c>pg_ctl start</c> on a
/// free loopback port with trust authentication, and on disposal <c>pg_ctl stop -m immediate</c> and
/// removal of the directory. Independent of any test framework, so programs (the scale-storm demo)
/// can use it as well as tests (see <see cref="PostgresFixture"/>).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The application_name of the server's own admin connections (counting, terminating).</summary>
    public const string AdminApplicationName = "pooloperator-testing-admin";

    private const int StartAttempts = 3;

    private readonly PostgresServerOptions _options;
    private readonly string _binDirectory;
    private readonly string _rootDirectory;
    private NpgsqlDataSource? _admin;
    private int _port;
    private int _state; // 0 new, 1 running, 2 stopped

    private PostgresServer(PostgresServerOptions options, string binDirectory, string rootDirectory)
    {
        _options = options;
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
    }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port => _port;

    /// <summary>The server's max_connections.</summary>
    public int MaxConnections => _options.MaxConnections;

    /// <summary>The server's superuser_reserved_connections.</summary>
    public int SuperuserReservedConnections => _options.SuperuserReservedConnections;

    /// <summary>The temporary directory holding the data directory, the socket and the log.</summary>
    public string RootDirectory => _rootDirectory;

    /// <summary>The directory of the server's Unix socket.</summary>
    public string SocketDirectory => Path.Combine(_rootDirectory, "socket");

    /// <summary>The server log (useful when a test fails).</summary>
    public string LogFile => Path.Combine(_rootDirectory, "server.log");

    /// <summary>A connection string for user <c>postgres</c>, database <c>postgres</c> over TCP on 127.0.0.1.</summary>
    public string ConnectionString => CreateConnectionStringBuilder().ConnectionString;

    private string DataDirectory => Path.Combine(_rootDirectory, "data");

    /// <summary>A fresh builder for <see cref="ConnectionString"/>, to add an application name or pool settings.</summary>
    public NpgsqlConnectionStringBuilder CreateConnectionStringBuilder(string? database = null) => new()
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = database ?? "postgres",
    };

    /// <summary>Creates, starts and returns a server.</summary>
    /// <exception cref="InvalidOperationException">The binaries are missing or the server did not start; the message says why.</exception>
    public static async Task<PostgresServer> StartAsync(PostgresServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PostgresServerOptions();
        options.Validate();
        var binDirectory = PostgresBinaries.Locate(options.BinDirectory);
        var root = Directory.CreateTempSubdirectory("pooloperator-pg-").FullName;
        var server = new PostgresServer(options, binDirectory, root);
        try
        {
            await server.InitializeAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Counts the server's backends whose application_name is <paramref name="applicationName"/>.</summary>
    public async Task<int> CountBackendsAsync(string applicationName, CancellationToken cancellationToken = default)
    {
        await using var command = Admin.CreateCommand("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Counts all client backends (every connected session, including the admin connection).</summary>
    public async Task<int> CountClientBackendsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Admin.CreateCommand("SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend'");
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Terminates backends with <paramref name="applicationName"/> (<c>pg_terminate_backend</c>); returns how many.</summary>
    /// <param name="applicationName">The application_name to match.</param>
    /// <param name="activeOnly">Only backends running a statement (state = 'active').</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    public async Task<int> TerminateBackendsAsync(string applicationName, bool activeOnly = false, CancellationToken cancellationToken = default)
    {
        var sql = "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
                  "WHERE application_name = $1" + (activeOnly ? " AND state = 'active'" : "") + ") AS terminated";
        await using var command = Admin.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Runs a statement as the superuser (e.g. <c>CREATE DATABASE</c>).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var command = Admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stops the server at once (<c>pg_ctl stop -m immediate</c>) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
            _admin = null;
        }

        if (Interlocked.Exchange(ref _state, 2) == 1)
        {
            try
            {
                await StopAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already gone (killed from outside): nothing left to stop.
            }
        }

        try
        {
            Directory.Delete(_rootDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test run for.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private NpgsqlDataSource Admin => _admin ?? throw new InvalidOperationException("The server is not running.");

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        await ServerProcess.HandOverAsync(_rootDirectory, cancellationToken);
        await ServerProcess.RunAsync(
            Path.Combine(_binDirectory, "initdb"),
            ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            cancellationToken);

        // The port is probed free and then handed to the server, so another process can take it in between:
        // retry with a new port when the bind fails.
        for (var attempt = 1; ; attempt++)
        {
            _port = FindFreePort();
            try
            {
                await ServerProcess.RunAsync(Path.Combine(_binDirectory, "pg_ctl"), StartArguments(), cancellationToken);
                break;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && LogMentionsBindFailure())
            {
                // Lost the port race: try the next free port.
            }
            catch (InvalidOperationException exception)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start on port {_port} (data directory {DataDirectory}). Server log:{Environment.NewLine}{ReadLogTail()}",
                    exception);
            }
        }

        _state = 1;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        var admin = CreateConnectionStringBuilder();
        admin.ApplicationName = AdminApplicationName;
        admin.MaxPoolSize = 2;
        _admin = NpgsqlDataSource.Create(admin);
    }

    private List<string> StartArguments()
    {
        var settings = new Dictionary<string, string>(_options.Settings, StringComparer.Ordinal)
        {
            ["port"] = _port.ToString(CultureInfo.InvariantCulture),
            ["listen_addresses"] = "127.0.0.1",
            ["unix_socket_directories"] = SocketDirectory,
            ["max_connections"] = _options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            ["superuser_reserved_connections"] = _options.SuperuserReservedConnections.ToString(CultureInfo.InvariantCulture),
            // A throwaway server: durability buys nothing and costs time on a shared machine.
            ["fsync"] = _options.Settings.TryGetValue("fsync", out var fsync) ? fsync : "off",
            ["full_page_writes"] = _options.Settings.TryGetValue("full_page_writes", out var fpw) ? fpw : "off",
        };
        var serverOptions = string.Join(' ', settings.Select(setting => $"-c {setting.Key}={setting.Value}"));
        return
        [
            "start", "-D", DataDirectory, "-l", LogFile, "-w",
            "-t", ((int)_options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-o", serverOptions,
        ];
    }

    private async Task StopAsync(CancellationToken cancellationToken) =>
        await ServerProcess.RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], cancellationToken);

    // A test run that ends without disposing must not leave a server behind.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _state, 2) == 1)
        {
            try
            {
                StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private bool LogMentionsBindFailure()
    {
        var log = ReadLogTail();
        return log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
            || log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
    }

    private string ReadLogTail()
    {
        try
        {
            var text = File.ReadAllText(LogFile);
            return text.Length <= 4000 ? text : text[^4000..];
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

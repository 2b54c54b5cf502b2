using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Load;

/// <summary>
/// A Go replica: the goreplica program (examples/ScaleStorm/GoReplica) as its own process, with the Go agent
/// (clients/go) following the pod's grant. Its reports (see main.go) feed the storm's counters; a line on its
/// standard input is its SIGTERM.
/// </summary>
internal sealed class GoReplica : IReplica
{
    private readonly Process _process;
    private readonly StormCounters _counters;
    private readonly TimeSpan _grace;
    private readonly Task _reading;
    private long _firstConnectionMilliseconds = -1;

    public GoReplica(GoReplicaSettings settings, ReplicaPod pod, StormCounters counters)
    {
        Name = pod.Name;
        _counters = counters;
        _grace = settings.Grace;
        var start = new ProcessStartInfo(settings.Binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["POD_NAME"] = pod.Name,
                ["POD_NAMESPACE"] = StormApplication.Namespace,
                ["POD_UID"] = pod.Uid,
                ["POOLOPERATOR_BUDGET"] = StormApplication.Budget,
                ["KUBECONFIG"] = settings.Kubeconfig,
                ["POOLOPERATOR_MAX_OPEN_CONNS"] = settings.HardCeiling.ToString(CultureInfo.InvariantCulture),
                // Keep idle connections as Npgsql's pool does, so both languages pay the same for a return.
                ["POOLOPERATOR_MAX_IDLE_CONNS"] = settings.HardCeiling.ToString(CultureInfo.InvariantCulture),
                ["STORM_DSN"] = settings.Dsn,
                ["STORM_WORKERS"] = settings.Workers.ToString(CultureInfo.InvariantCulture),
                ["STORM_QUERY"] = settings.Query,
                ["STORM_GRACE"] = string.Create(CultureInfo.InvariantCulture, $"{settings.Grace.TotalMilliseconds:F0}ms"),
            },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("goreplica did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _reading = Task.Run(ReadAsync);
    }

    public string Name { get; }

    public TimeSpan? FirstConnectionWait
    {
        get
        {
            var ms = Interlocked.Read(ref _firstConnectionMilliseconds);
            return ms < 0 ? null : TimeSpan.FromMilliseconds(ms);
        }
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            Apply(line);
        }
    }

    /// <summary>One report line of the Go replica.</summary>
    private void Apply(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (parts.FirstOrDefault())
        {
            case "connected":
                Interlocked.Exchange(ref _firstConnectionMilliseconds, long.Parse(parts[1], CultureInfo.InvariantCulture));
                break;
            case "q":
                for (var i = 0; i < int.Parse(parts[2], CultureInfo.InvariantCulture); i++)
                {
                    _counters.RefusedByServer();
                }

                for (var i = 0; i < int.Parse(parts[3], CultureInfo.InvariantCulture); i++)
                {
                    _counters.Failed(new InvalidOperationException($"replica {Name} (Go): a query failed"));
                }

                foreach (var microseconds in parts.Skip(4))
                {
                    _counters.QueryCompleted(TimeSpan.FromMicroseconds(long.Parse(microseconds, CultureInfo.InvariantCulture)));
                }

                break;
            case "error":
                _counters.Failed(new InvalidOperationException($"replica {Name} (Go): {line[6..]}"));
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("stop");
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited already.
        }

        // Workers and the agent each get the grace; beyond both, the process is killed.
        using var patience = new CancellationTokenSource(_grace * 2 + TimeSpan.FromSeconds(2));
        try
        {
            await _process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            _counters.Failed(new TimeoutException($"replica {Name} (Go): still running {(_grace * 2).TotalSeconds:F0} s after the stop"));
            _process.Kill(entireProcessTree: true);
        }

        await _reading;
        _process.Dispose();
    }
}

/// <summary>What every Go replica of one run shares.</summary>
internal sealed record GoReplicaSettings(string Binary, string Kubeconfig, string Dsn, int HardCeiling, int Workers, string Query, TimeSpan Grace)
{
    /// <summary>lib/pq's key=value form of the storm's connection string (the server trusts local logins).</summary>
    public static string DsnOf(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database ?? builder.Username} sslmode=disable");
    }
}

/// <summary>Go replicas of one run.</summary>
internal sealed class GoReplicas(GoReplicaSettings settings, StormCounters counters) : IReplicaFactory
{
    public IReplica Start(ReplicaPod pod) => new GoReplica(settings, pod, counters);
}

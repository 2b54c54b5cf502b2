using System.Globalization;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.ScaleStorm;

/// <summary>The storm's three ways of sizing pools.</summary>
internal enum StormMode
{
    /// <summary>Every replica's pool is sized for the starting replica count: the classic "30 each".</summary>
    Static,

    /// <summary>Replicas connect through PgBouncer (transaction pooling) whose server pool is the budget.</summary>
    PgBouncer,

    /// <summary>The operator divides the budget; each replica's agent resizes its pool at runtime.</summary>
    PoolOperator,
}

/// <summary>Which agent the replicas of PoolOperator mode run.</summary>
internal enum AgentKind
{
    /// <summary>The .NET agent (src/ClientAgent), in the storm's process.</summary>
    DotNet,

    /// <summary>The Go agent (clients/go), one goreplica process per replica.</summary>
    Go,

    /// <summary>Every other replica .NET, the rest Go: two languages keeping one budget.</summary>
    Mixed,
}

/// <summary>Command-line settings of the storm; every malformed value names its option.</summary>
internal sealed class StormOptions
{
    /// <summary>The issue's full storm: pods take 8 s to start, four scale steps, a minute per run.</summary>
    public const string LongScript = "3,8@10s,2@25s,12@35s,4@50s";

    public IReadOnlyList<StormMode> Modes { get; private set; } = AllModes;

    /// <summary>The HPA script: replicas at the start, then replicas at each offset (e.g. "3,8@3s,2@6s").</summary>
    public string Script { get; private set; } = "3,8@1s,2@8s,12@10s,4@17s";

    /// <summary>How long each run of a mode lasts.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many times each mode runs; runs are interleaved (A B C A B C) so no mode always goes last.</summary>
    public int Repeat { get; private set; } = 2;

    /// <summary>From a pod's creation to Running: scheduling, image pull and start-up on a real cluster.</summary>
    public TimeSpan PodStart { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>The termination grace: how long a Terminating pod lives, and how long its replica may finish in-flight work.</summary>
    public TimeSpan PodStop { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>The agent of PoolOperator mode's replicas.</summary>
    public AgentKind Agent { get; private set; } = AgentKind.DotNet;

    public int MaxConnections { get; private set; } = 100;

    public int ReservedConnections { get; private set; } = 10;

    public int WorkersPerReplica { get; private set; } = 40;

    public TimeSpan QueryDuration { get; private set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Use this server instead of starting one (its max_connections is read from it).</summary>
    public string? ConnectionString { get; private set; }

    public string ChartPath { get; private set; } = Path.Combine("artifacts", "scale-storm.svg");

    public string? TablePath { get; private set; }

    public bool Quiet { get; private set; }

    /// <summary>Direct pools skip Npgsql's session reset (DISCARD ALL) on return, as PgBouncer mode's clients always do.</summary>
    public bool NoResetOnClose { get; private set; }

    public bool ShowHelp { get; private set; }

    public int Available => MaxConnections - ReservedConnections;

    /// <summary>True when the script never changes the replica count: the steady-state comparison.</summary>
    public bool Steady => HpaScript.Parse(Script).Steps.Select(s => s.Replicas).Distinct().Count() == 1;

    private static readonly StormMode[] AllModes = [StormMode.Static, StormMode.PgBouncer, StormMode.PoolOperator];

    public const string Usage = """
        Usage: scale-storm [options]
          --long                  the full storm: --script 3,8@10s,2@25s,12@35s,4@50s --duration 60 --pod-start 8s
          --steady                steady state, short queries: --script 4 --query-ms 0 --duration 20
          --mode M[,M...]         static, pgbouncer, pooloperator or all (default: all)
          --script S              HPA script: start replicas, then N@offset (default: 3,8@1s,2@8s,12@10s,4@17s)
          --duration SECONDS      how long each run lasts (default: 20)
          --agent A               PoolOperator mode's replicas: dotnet, go or mixed (half each) (default: dotnet)
          --repeat N              runs per mode, interleaved A B C A B C (default: 2)
          --pod-start DURATION    pod creation to Running, e.g. 8s or 300ms (default: 5s)
          --pod-stop DURATION     termination grace period (default: 5s)
          --max-connections N     max_connections of the server the storm starts (default: 100)
          --reserved N            reserved connections of the budget (default: 10)
          --workers N             concurrent workers per replica (default: 40)
          --query-ms N            duration of each query, pg_sleep; 0 runs SELECT 1 (default: 5)
          --connection-string CS  use this PostgreSQL server instead of starting one
          --chart PATH            where to write the SVG chart (default: artifacts/scale-storm.svg)
          --table PATH            also write the result table (Markdown) to PATH
          --no-reset              direct pools skip Npgsql's session reset on return, like PgBouncer mode's clients
          --quiet                 no live view
        Presets (--long, --steady) set their values where they stand: options after them override.
        """;

    public static StormOptions Parse(IReadOnlyList<string> args)
    {
        var options = new StormOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new StormOptionException(name, "needs a value");
            switch (name)
            {
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                case "--long":
                    options.Script = LongScript;
                    options.Duration = TimeSpan.FromSeconds(60);
                    options.PodStart = TimeSpan.FromSeconds(8);
                    break;
                case "--steady":
                    options.Script = "4";
                    options.QueryDuration = TimeSpan.Zero;
                    options.Duration = TimeSpan.FromSeconds(20);
                    break;
                case "--agent":
                    options.Agent = Value() switch
                    {
                        "dotnet" => AgentKind.DotNet,
                        "go" => AgentKind.Go,
                        "mixed" => AgentKind.Mixed,
                        var other => throw new StormOptionException(name, $"'{other}' is not one of dotnet, go, mixed"),
                    };
                    break;
                case "--repeat":
                    options.Repeat = Positive(name, Value());
                    break;
                case "--pod-start":
                    options.PodStart = ParseDuration(name, Value());
                    break;
                case "--pod-stop":
                    options.PodStop = ParseDuration(name, Value());
                    break;
                case "--mode":
                    options.Modes = ParseModes(Value());
                    break;
                case "--script":
                    options.Script = Value();
                    ValidateScript(options.Script);
                    break;
                case "--duration":
                    options.Duration = TimeSpan.FromSeconds(Positive(name, Value()));
                    break;
                case "--max-connections":
                    options.MaxConnections = Positive(name, Value());
                    break;
                case "--reserved":
                    options.ReservedConnections = NonNegative(name, Value());
                    break;
                case "--workers":
                    options.WorkersPerReplica = Positive(name, Value());
                    break;
                case "--query-ms":
                    options.QueryDuration = TimeSpan.FromMilliseconds(NonNegative(name, Value()));
                    break;
                case "--connection-string":
                    options.ConnectionString = Value();
                    break;
                case "--chart":
                    options.ChartPath = Value();
                    break;
                case "--table":
                    options.TablePath = Value();
                    break;
                case "--no-reset":
                    options.NoResetOnClose = true;
                    break;
                case "--quiet":
                    options.Quiet = true;
                    break;
                default:
                    throw new StormOptionException(name, "is not an option (see --help)");
            }
        }

        if (options.ReservedConnections >= options.MaxConnections)
        {
            throw new StormOptionException("--reserved", "must be smaller than --max-connections");
        }

        return options;
    }

    /// <summary>After the server's own max_connections is read from --connection-string.</summary>
    public void UseServerMaxConnections(int maxConnections) => MaxConnections = maxConnections;

    private static void ValidateScript(string script)
    {
        try
        {
            _ = HpaScript.Parse(script);
        }
        catch (FormatException e)
        {
            throw new StormOptionException("--script", e.Message);
        }
    }

    /// <summary>A duration with a unit (8s, 300ms, 1m30s), or a bare number of seconds.</summary>
    private static TimeSpan ParseDuration(string name, string value)
    {
        if (value.Contains(',', StringComparison.Ordinal))
        {
            throw new StormOptionException(name, $"'{value}' is not a duration (e.g. 8s, 300ms, 1m30s)");
        }

        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        try
        {
            // An HPA script step "1@<duration>" parses durations with units the same way everywhere.
            return HpaScript.Parse("1@" + value).Steps[0].Offset;
        }
        catch (FormatException)
        {
            throw new StormOptionException(name, $"'{value}' is not a duration (e.g. 8s, 300ms, 1m30s)");
        }
    }

    private static List<StormMode> ParseModes(string value)
    {
        if (value == "all")
        {
            return [.. AllModes];
        }

        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => Enum.TryParse<StormMode>(m, ignoreCase: true, out var mode)
                ? mode
                : throw new StormOptionException("--mode", $"'{m}' is not one of static, pgbouncer, pooloperator, all"))
            .Distinct()
            .ToList();
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new StormOptionException(name, $"'{value}' is not a positive whole number");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new StormOptionException(name, $"'{value}' is not a whole number >= 0");
}

/// <summary>A command-line value the storm cannot use; the message names the option.</summary>
internal sealed class StormOptionException(string option, string problem) : Exception($"{option} {problem}")
{
    public string Option { get; } = option;
}

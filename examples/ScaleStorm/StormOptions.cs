using System.Globalization;

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

/// <summary>Command-line settings of the storm; every malformed value names its option.</summary>
internal sealed class StormOptions
{
    public IReadOnlyList<StormMode> Modes { get; private set; } = [StormMode.Static, StormMode.PgBouncer, StormMode.PoolOperator];

    /// <summary>The HPA script: replicas at the start, then replicas at each offset (e.g. "3,8@3s,2@6s").</summary>
    public string Script { get; private set; } = "3,8@2s,2@5s,12@7s,4@10s";

    /// <summary>How long each mode runs.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(12);

    public int MaxConnections { get; private set; } = 100;

    public int ReservedConnections { get; private set; } = 10;

    public int WorkersPerReplica { get; private set; } = 40;

    public TimeSpan QueryDuration { get; private set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Use this server instead of starting one (its max_connections is read from it).</summary>
    public string? ConnectionString { get; private set; }

    public string ChartPath { get; private set; } = Path.Combine("artifacts", "scale-storm.svg");

    public string? TablePath { get; private set; }

    public bool Quiet { get; private set; }

    public bool ShowHelp { get; private set; }

    public int Available => MaxConnections - ReservedConnections;

    public const string Usage = """
        Usage: scale-storm [options]
          --mode M[,M...]         static, pgbouncer, pooloperator or all (default: all)
          --script S              HPA script: start replicas, then N@offset (default: 3,8@2s,2@5s,12@7s,4@10s)
          --duration SECONDS      how long each mode runs (default: 12)
          --max-connections N     max_connections of the server the storm starts (default: 100)
          --reserved N            reserved connections of the budget (default: 10)
          --workers N             concurrent workers per replica (default: 40)
          --query-ms N            duration of each query, pg_sleep (default: 5)
          --connection-string CS  use this PostgreSQL server instead of starting one
          --chart PATH            where to write the SVG chart (default: artifacts/scale-storm.svg)
          --table PATH            also write the result table (Markdown) to PATH
          --quiet                 no live progress lines
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
                case "--mode":
                    options.Modes = ParseModes(Value());
                    break;
                case "--script":
                    options.Script = Value();
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

    private static List<StormMode> ParseModes(string value)
    {
        if (value == "all")
        {
            return [StormMode.Static, StormMode.PgBouncer, StormMode.PoolOperator];
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

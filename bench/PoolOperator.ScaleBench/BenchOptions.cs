using System.Globalization;

namespace PoolOperator.ScaleBench;

/// <summary>One row of the table: how many pods and budgets (one Deployment per budget).</summary>
/// <param name="Pods">Pods in all.</param>
/// <param name="Budgets">Budgets, each over one Deployment of Pods / Budgets replicas.</param>
internal sealed record Row(int Pods, int Budgets)
{
    public int ReplicasPerWorkload => Math.Max(1, Pods / Budgets);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pods:N0} / {Budgets:N0}");
}

/// <summary>The command line of the scale benchmark.</summary>
internal sealed record BenchOptions
{
    public IReadOnlyList<Row> Rows { get; init; } = [new(1_000, 100), new(10_000, 1_000)];

    /// <summary>Budgets per namespace (namespaces = budgets / this).</summary>
    public int BudgetsPerNamespace { get; init; } = 20;

    /// <summary>Scale steps of one workload measured per row.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>The operator's built dll, run as its own process.</summary>
    public string OperatorDll { get; init; } = Path.Combine("src", "Operator", "bin", "Release", "net10.0", "PoolOperator.Operator.dll");

    /// <summary>Where the markdown table is written as well as printed; null: printed only.</summary>
    public string? TablePath { get; init; }

    /// <summary>Extra environment of the operator process (e.g. GC settings to compare).</summary>
    public IReadOnlyDictionary<string, string> OperatorEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long to wait for the pods, for every budget Ready, for one step.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(5);

    public const string Usage = """
        usage: dotnet run --project bench/PoolOperator.ScaleBench -c Release -- [options]
          --rows 1000/100,10000/1000   pods/budgets per row (one Deployment per budget)
          --budgets-per-namespace 20   namespaces = budgets / this
          --steps 20                   scale steps of one workload timed per row
          --operator PATH              the operator's dll (default src/Operator/bin/Release/net10.0/PoolOperator.Operator.dll)
          --operator-env NAME=VALUE    extra environment of the operator process (repeatable)
          --table PATH                 also write the table (markdown) to PATH
          --patience SECONDS           longest wait for pods, Ready, one step (default 300)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--rows" => options with { Rows = [.. Value().Split(',').Select(ParseRow)] },
                "--budgets-per-namespace" => options with { BudgetsPerNamespace = Positive("--budgets-per-namespace", Value()) },
                "--steps" => options with { Steps = Positive("--steps", Value()) },
                "--operator" => options with { OperatorDll = Value() },
                "--operator-env" => options with { OperatorEnvironment = WithVariable(options.OperatorEnvironment, Value()) },
                "--table" => options with { TablePath = Value() },
                "--patience" => options with { Patience = TimeSpan.FromSeconds(Positive("--patience", Value())) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }

        return options;
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> variables, string text)
    {
        var split = text.IndexOf('=', StringComparison.Ordinal);
        if (split <= 0)
        {
            throw new ArgumentException($"--operator-env: '{text}' is not NAME=VALUE");
        }

        return new Dictionary<string, string>(variables, StringComparer.Ordinal) { [text[..split]] = text[(split + 1)..] };
    }

    private static Row ParseRow(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw new ArgumentException($"--rows: '{text}' is not PODS/BUDGETS");
        }

        return new Row(Positive("--rows pods", parts[0]), Positive("--rows budgets", parts[1]));
    }

    private static int Positive(string setting, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{setting} must be a positive whole number, not '{text}'");
}

using System.Globalization;

namespace PoolOperator.ScaleStorm.Reporting;

/// <summary>What a run looks like right now, for the live view.</summary>
internal sealed record StormSnapshot(
    string Mode,
    int Run,
    TimeSpan At,
    int Replicas,
    int ServerConnections,
    int Peak,
    int Available,
    long TooManyClients,
    long Queries);

/// <summary>Where a running storm shows its progress.</summary>
internal interface IStormProgress
{
    /// <summary>How often the runner reports a snapshot.</summary>
    TimeSpan Interval { get; }

    void Report(StormSnapshot snapshot);

    /// <summary>A line that must be seen (an error, a skipped mode).</summary>
    void Note(string line);
}

/// <summary>Plain lines, one a second: for CI logs and other output that is not a terminal.</summary>
internal sealed class PlainProgress(TextWriter output, bool quiet) : IStormProgress
{
    private readonly Lock _lock = new();

    public TimeSpan Interval => TimeSpan.FromSeconds(1);

    public void Report(StormSnapshot snapshot)
    {
        if (quiet)
        {
            return;
        }

        lock (_lock)
        {
            output.WriteLine(Format(snapshot));
        }
    }

    public void Note(string line)
    {
        lock (_lock)
        {
            output.WriteLine(line);
        }
    }

    public static string Format(StormSnapshot s) => string.Create(CultureInfo.InvariantCulture,
        $"[{s.Mode,-13} #{s.Run}] t={s.At.TotalSeconds,5:F1}s replicas={s.Replicas,3} server connections={s.ServerConnections,4} (peak {s.Peak,4}, budget {s.Available}) 53300 errors={s.TooManyClients,6} queries={s.Queries,8}");
}

using System.Globalization;
using Spectre.Console;

namespace PoolOperator.ScaleStorm.Reporting;

/// <summary>
/// A live table on a terminal (Spectre.Console): one row per run, updated in place four times a
/// second, with a bar of the server connections against the budget.
/// </summary>
internal sealed class LiveTableProgress : IStormProgress
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Mode, int Run), StormSnapshot> _rows = [];
    private readonly List<string> _notes = [];
    private readonly string _title;

    public LiveTableProgress(string title) => _title = title;

    public TimeSpan Interval => TimeSpan.FromMilliseconds(250);

    /// <summary>Whether standard output is a terminal that can redraw a table.</summary>
    public static bool Supported => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public void Report(StormSnapshot snapshot)
    {
        lock (_lock)
        {
            _rows[(snapshot.Mode, snapshot.Run)] = snapshot;
        }
    }

    public void Note(string line)
    {
        lock (_lock)
        {
            _notes.Add(line);
        }
    }

    /// <summary>Shows the table while <paramref name="work"/> runs.</summary>
    public async Task<T> ShowAsync<T>(Func<Task<T>> work) =>
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            var task = work();
            while (!task.IsCompleted)
            {
                await Task.WhenAny(task, Task.Delay(Interval)).ConfigureAwait(false);
                context.UpdateTarget(Render());
            }

            context.UpdateTarget(Render());
            return await task.ConfigureAwait(false);
        }).ConfigureAwait(false);

    private Table Render()
    {
        var table = new Table().Title(Markup.Escape(_title)).Border(TableBorder.Rounded);
        table.AddColumn("mode");
        table.AddColumn(new TableColumn("run").RightAligned());
        table.AddColumn(new TableColumn("t").RightAligned());
        table.AddColumn(new TableColumn("replicas").RightAligned());
        table.AddColumn("server connections");
        table.AddColumn(new TableColumn("peak").RightAligned());
        table.AddColumn(new TableColumn("53300").RightAligned());
        table.AddColumn(new TableColumn("queries").RightAligned());
        lock (_lock)
        {
            foreach (var s in _rows.Values)
            {
                var over = s.Peak > s.Available;
                table.AddRow(
                    Markup.Escape(s.Mode),
                    Text(s.Run),
                    Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{s.At.TotalSeconds:F1}s")),
                    Text(s.Replicas),
                    Bar(s.ServerConnections, s.Available),
                    over ? $"[red]{Text(s.Peak)}[/]" : Text(s.Peak),
                    s.TooManyClients > 0 ? $"[red]{Text(s.TooManyClients)}[/]" : Text(s.TooManyClients),
                    Text(s.Queries));
            }

            if (_notes.Count > 0)
            {
                table.Caption(Markup.Escape(string.Join('\n', _notes)));
            }
        }

        return table;
    }

    private static string Text(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A bar of 20 cells: the share of the budget the server's connections fill (red past it).</summary>
    private static string Bar(int connections, int available)
    {
        const int Cells = 20;
        var filled = Math.Clamp((int)Math.Round((double)connections / available * Cells), 0, Cells);
        var color = connections > available ? "red" : "green";
        return $"[{color}]{new string('#', filled)}[/][grey]{new string('.', Cells - filled)}[/] {Text(connections)}/{Text(available)}";
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PoolOperator.Operator.Hosting.Metrics;

/// <summary>
/// A small registry of labelled counters, gauges and histograms that renders the Prometheus text
/// exposition format (version 0.0.4). Thread-safe.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly ConcurrentDictionary<string, MetricFamily> families = new(StringComparer.Ordinal);

    /// <summary>Creates (or returns) a counter.</summary>
    public Counter Counter(string name, string help, params string[] labelNames) =>
        (Counter)families.GetOrAdd(name, _ => new Counter(name, help, labelNames));

    /// <summary>Creates (or returns) a gauge.</summary>
    public Gauge Gauge(string name, string help, params string[] labelNames) =>
        (Gauge)families.GetOrAdd(name, _ => new Gauge(name, help, labelNames));

    /// <summary>Creates (or returns) a histogram with the given upper bounds.</summary>
    public Histogram Histogram(string name, string help, double[] buckets, params string[] labelNames) =>
        (Histogram)families.GetOrAdd(name, _ => new Histogram(name, help, buckets, labelNames));

    /// <summary>Renders every metric in the text exposition format.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var family in families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            family.Render(text);
        }

        return text.ToString();
    }
}

/// <summary>A named metric with labelled series.</summary>
public abstract class MetricFamily
{
    private protected MetricFamily(string name, string help, string type, string[] labelNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Help = help;
        Type = type;
        LabelNames = labelNames;
    }

    /// <summary>The metric's name.</summary>
    public string Name { get; }

    /// <summary>The HELP text.</summary>
    public string Help { get; }

    /// <summary>counter, gauge or histogram.</summary>
    public string Type { get; }

    /// <summary>The label names, in order.</summary>
    public IReadOnlyList<string> LabelNames { get; }

    internal void Render(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ').Append(Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
        RenderSeries(text);
    }

    private protected abstract void RenderSeries(StringBuilder text);

    private protected string Key(string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Count)
        {
            throw new ArgumentException($"Metric {Name} takes {LabelNames.Count} label values, not {labelValues.Length}.", nameof(labelValues));
        }

        return string.Join('\u0001', labelValues);
    }

    private protected string Labels(string key, params (string Name, string Value)[] extra)
    {
        var values = LabelNames.Count == 0 ? [] : key.Split('\u0001');
        var pairs = LabelNames.Select((label, i) => (label, values[i])).Concat(extra).ToList();
        if (pairs.Count == 0)
        {
            return "";
        }

        return "{" + string.Join(',', pairs.Select(p => p.Item1 + "=\"" + Escape(p.Item2) + "\"")) + "}";
    }

    private protected static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>A monotonically increasing count.</summary>
public sealed class Counter : MetricFamily
{
    private readonly ConcurrentDictionary<string, double> series = new(StringComparer.Ordinal);

    internal Counter(string name, string help, string[] labelNames)
        : base(name, help, "counter", labelNames)
    {
    }

    /// <summary>Adds <paramref name="amount"/> to the series of <paramref name="labelValues"/>.</summary>
    public void Add(double amount, params string[] labelValues)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        series.AddOrUpdate(Key(labelValues), amount, (_, v) => v + amount);
    }

    /// <summary>Adds one.</summary>
    public void Increment(params string[] labelValues) => Add(1, labelValues);

    /// <summary>The current value of a series.</summary>
    public double Value(params string[] labelValues) => series.GetValueOrDefault(Key(labelValues));

    private protected override void RenderSeries(StringBuilder text)
    {
        foreach (var (key, value) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(Name).Append(Labels(key)).Append(' ').Append(Format(value)).Append('\n');
        }
    }
}

/// <summary>A value that goes up and down; series can be set, computed on read, or removed.</summary>
public sealed class Gauge : MetricFamily
{
    private readonly ConcurrentDictionary<string, Func<double>> series = new(StringComparer.Ordinal);

    internal Gauge(string name, string help, string[] labelNames)
        : base(name, help, "gauge", labelNames)
    {
    }

    /// <summary>Sets a series.</summary>
    public void Set(double value, params string[] labelValues) => series[Key(labelValues)] = () => value;

    /// <summary>Makes a series read <paramref name="read"/> at each scrape.</summary>
    public void Observe(Func<double> read, params string[] labelValues) => series[Key(labelValues)] = read;

    /// <summary>Removes a series (e.g. of a deleted budget).</summary>
    public void Remove(params string[] labelValues) => series.TryRemove(Key(labelValues), out _);

    /// <summary>The current value of a series, or null.</summary>
    public double? Value(params string[] labelValues) => series.TryGetValue(Key(labelValues), out var read) ? read() : null;

    private protected override void RenderSeries(StringBuilder text)
    {
        foreach (var (key, read) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(Name).Append(Labels(key)).Append(' ').Append(Format(read())).Append('\n');
        }
    }
}

/// <summary>A distribution of observations over fixed buckets.</summary>
public sealed class Histogram : MetricFamily
{
    private readonly double[] bounds;
    private readonly ConcurrentDictionary<string, State> series = new(StringComparer.Ordinal);

    internal Histogram(string name, string help, double[] buckets, string[] labelNames)
        : base(name, help, "histogram", labelNames)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        bounds = [.. buckets.Order()];
    }

    /// <summary>Records one observation.</summary>
    public void Observe(double value, params string[] labelValues)
    {
        var state = series.GetOrAdd(Key(labelValues), _ => new State(bounds.Length));
        lock (state)
        {
            for (var i = 0; i < bounds.Length; i++)
            {
                if (value <= bounds[i])
                {
                    state.Buckets[i]++;
                }
            }

            state.Count++;
            state.Sum += value;
        }
    }

    /// <summary>The number of observations of a series.</summary>
    public long Count(params string[] labelValues) => series.TryGetValue(Key(labelValues), out var state) ? state.Count : 0;

    private protected override void RenderSeries(StringBuilder text)
    {
        foreach (var (key, state) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            lock (state)
            {
                for (var i = 0; i < bounds.Length; i++)
                {
                    text.Append(Name).Append("_bucket").Append(Labels(key, ("le", Format(bounds[i])))).Append(' ').Append(state.Buckets[i]).Append('\n');
                }

                text.Append(Name).Append("_bucket").Append(Labels(key, ("le", "+Inf"))).Append(' ').Append(state.Count).Append('\n');
                text.Append(Name).Append("_sum").Append(Labels(key)).Append(' ').Append(Format(state.Sum)).Append('\n');
                text.Append(Name).Append("_count").Append(Labels(key)).Append(' ').Append(state.Count).Append('\n');
            }
        }
    }

    private sealed class State(int buckets)
    {
        public long[] Buckets { get; } = new long[buckets];

        public long Count { get; set; }

        public double Sum { get; set; }
    }
}

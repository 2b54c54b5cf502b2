using System.Globalization;
using System.Text;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>One step of an <see cref="HpaScript"/>: at <see cref="Offset"/> from the start, ask for <see cref="Replicas"/>.</summary>
/// <param name="Replicas">The replica count the HPA decides (clamped to its bounds when applied).</param>
/// <param name="Offset">When, counted from the start of the run.</param>
public sealed record HpaScriptStep(int Replicas, TimeSpan Offset);

/// <summary>
/// A timed sequence of HPA decisions, written as comma-separated steps:
/// <c>N</c> (right after the previous step, or at the start), <c>N@T</c> (at time T from the start)
/// or <c>N+D</c> (D after the previous step). Durations are numbers with a unit, combinable:
/// <c>500ms</c>, <c>10s</c>, <c>1.5s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>.
/// Example: <c>3,8@10s,2@20s,12@30s,4@45s</c>.
/// </summary>
public sealed class HpaScript
{
    private HpaScript(IReadOnlyList<HpaScriptStep> steps) => Steps = steps;

    /// <summary>The steps in the order they run; offsets never decrease.</summary>
    public IReadOnlyList<HpaScriptStep> Steps { get; }

    /// <summary>Parses a script.</summary>
    /// <exception cref="FormatException">The text is not a script; the message names the step and what is wrong.</exception>
    public static HpaScript Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.All(string.IsNullOrEmpty))
        {
            throw new FormatException("HPA script: it is empty; expected steps such as \"3,8@10s,2@20s\".");
        }

        var steps = new List<HpaScriptStep>(parts.Length);
        var previous = TimeSpan.Zero;
        for (var i = 0; i < parts.Length; i++)
        {
            var step = ParseStep(parts[i], i + 1, previous);
            steps.Add(step);
            previous = step.Offset;
        }

        return new HpaScript(steps);
    }

    /// <summary>The script in its canonical form, every step with an absolute time.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var step in Steps)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(CultureInfo.InvariantCulture, $"{step.Replicas}@{step.Offset.TotalMilliseconds}ms");
        }

        return builder.ToString();
    }

    private static HpaScriptStep ParseStep(string part, int number, TimeSpan previous)
    {
        if (part.Length == 0)
        {
            throw new FormatException($"HPA script step {number}: it is empty.");
        }

        var at = part.IndexOfAny(['@', '+']);
        var countText = at < 0 ? part : part[..at];
        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
        {
            throw new FormatException($"HPA script step {number} (\"{part}\"): \"{countText}\" is not a replica count (a non-negative integer).");
        }

        if (at < 0)
        {
            return new HpaScriptStep(replicas, previous);
        }

        var time = ParseDuration(part[(at + 1)..], number, part);
        if (part[at] == '+')
        {
            return new HpaScriptStep(replicas, previous + time);
        }

        if (time < previous)
        {
            throw new FormatException($"HPA script step {number} (\"{part}\"): its time {time} is before the previous step's {previous}; steps run in order.");
        }

        return new HpaScriptStep(replicas, time);
    }

    /// <summary>Parses <c>1m30s</c>, <c>500ms</c>, <c>1.5s</c> and the like.</summary>
    private static TimeSpan ParseDuration(string text, int number, string part)
    {
        var total = TimeSpan.Zero;
        var position = 0;
        if (text.Length == 0)
        {
            throw new FormatException($"HPA script step {number} (\"{part}\"): the time is missing; write e.g. 10s, 500ms or 1m30s.");
        }

        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            if (!double.TryParse(text.AsSpan(start, unitStart - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"HPA script step {number} (\"{part}\"): \"{text}\" is not a duration; write e.g. 10s, 500ms or 1m30s.");
            }

            total += text[unitStart..position] switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                var unit => throw new FormatException($"HPA script step {number} (\"{part}\"): unknown time unit \"{unit}\"; use ms, s, m or h."),
            };
        }

        return total;
    }
}

namespace PoolOperator.ScaleStorm.Measurement;

/// <summary>The lowest connections seen during a scale step, and what could have been used then.</summary>
internal readonly record struct StepLow(double Connections, double Usable, TimeSpan At)
{
    public double Share => Usable <= 0 ? 1 : Connections / Usable;
}

/// <summary>Pure arithmetic over a run's samples: what the table's derived columns mean.</summary>
internal static class StormMetrics
{
    /// <summary>The window over which "lowest during a step" averages, so a single 5 ms sample between a close and an open does not decide it.</summary>
    public static readonly TimeSpan LowWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Sum of server connections over the sum of min(available, demand), sample by sample: 1.0 means
    /// every connection the running replicas could have used (within the budget) was open. A sample
    /// counts at most its usable connections: connections beyond the demand are idle, not used.
    /// </summary>
    public static double Utilization(IReadOnlyList<ConnectionSample> timeline, int available)
    {
        double used = 0;
        double usable = 0;
        foreach (var sample in timeline)
        {
            var could = Math.Min(available, sample.Demand);
            used += Math.Min(sample.Connections, could);
            usable += could;
        }

        return usable == 0 ? double.NaN : used / usable;
    }

    /// <summary>
    /// For every step after the first (the first is the starting count, not a scale step), the
    /// window from its decision to the next decision (or the end); within those windows, the
    /// 100 ms window whose mean connections is the smallest share of min(available, demand).
    /// </summary>
    public static StepLow? LowestDuringSteps(IReadOnlyList<ConnectionSample> timeline, IReadOnlyList<ScaleStep> steps, TimeSpan end, int available)
    {
        StepLow? lowest = null;
        for (var i = 1; i < steps.Count; i++)
        {
            var from = steps[i].At;
            var to = i + 1 < steps.Count ? steps[i + 1].At : end;
            var inStep = timeline.Where(s => s.At >= from && s.At < to).ToList();
            var low = LowestWindow(inStep, available);
            if (low is { } found && (lowest is null || found.Share < lowest.Value.Share))
            {
                lowest = found;
            }
        }

        return lowest;
    }

    /// <summary>Slides a <see cref="LowWindow"/> over the samples (each window starting at a sample); a step shorter than one window is one window.</summary>
    private static StepLow? LowestWindow(List<ConnectionSample> samples, int available)
    {
        StepLow? lowest = null;
        var end = 0;
        double used = 0;
        double usable = 0;
        for (var start = 0; start < samples.Count; start++)
        {
            while (end < samples.Count && samples[end].At - samples[start].At < LowWindow)
            {
                used += Used(samples[end], available);
                usable += Math.Min(available, samples[end].Demand);
                end++;
            }

            var count = end - start;
            var complete = end < samples.Count || start == 0;
            if (complete)
            {
                var low = new StepLow(used / count, usable / count, samples[start].At);
                if (lowest is null || low.Share < lowest.Value.Share)
                {
                    lowest = low;
                }
            }

            used -= Used(samples[start], available);
            usable -= Math.Min(available, samples[start].Demand);
        }

        return lowest;
    }

    private static int Used(ConnectionSample sample, int available) => Math.Min(sample.Connections, Math.Min(available, sample.Demand));

    /// <summary>The median of the values (the mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

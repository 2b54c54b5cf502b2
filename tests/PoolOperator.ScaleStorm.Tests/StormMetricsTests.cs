using PoolOperator.ScaleStorm.Measurement;

namespace PoolOperator.ScaleStorm.Tests;

public class StormMetricsTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    /// <summary>Samples every 10 ms: (connections, demand) for each tick.</summary>
    private static List<ConnectionSample> Timeline(params (int Connections, int Demand, int Ticks)[] phases)
    {
        var samples = new List<ConnectionSample>();
        foreach (var (connections, demand, ticks) in phases)
        {
            for (var i = 0; i < ticks; i++)
            {
                samples.Add(new ConnectionSample(Tick * samples.Count, connections, demand));
            }
        }

        return samples;
    }

    [Fact]
    public void Utilization_compares_connections_with_what_the_running_replicas_could_use_within_the_budget()
    {
        // 90 usable (demand 120, budget 90) for 100 ticks, of which 45 open for half of them.
        var timeline = Timeline((90, 120, 50), (45, 120, 50));

        Assert.Equal(0.75, StormMetrics.Utilization(timeline, available: 90), 3);
    }

    [Fact]
    public void Connections_beyond_the_demand_are_idle_and_do_not_lift_utilization()
    {
        // Two replicas of 40 workers could use 80; a pooler holding 90 uses 80 of them.
        var timeline = Timeline((90, 80, 10), (40, 80, 10));

        Assert.Equal(0.75, StormMetrics.Utilization(timeline, available: 90), 3);
    }

    [Fact]
    public void The_lowest_during_a_step_is_the_worst_100_ms_after_a_decision_not_before_the_first_step()
    {
        // The start (before the first scale step) is low, then a 200 ms dip to 30 of 90 after the step at 1 s.
        var timeline = Timeline((10, 120, 100), (90, 120, 20), (30, 120, 20), (90, 120, 60));
        ScaleStep[] steps = [new(TimeSpan.Zero, 3), new(TimeSpan.FromSeconds(1), 8)];

        var low = StormMetrics.LowestDuringSteps(timeline, steps, TimeSpan.FromSeconds(2), available: 90);

        Assert.NotNull(low);
        Assert.Equal(30, low.Value.Connections, 3);
        Assert.Equal(90, low.Value.Usable, 3);
        Assert.Equal(TimeSpan.FromMilliseconds(1200), low.Value.At);
    }

    [Fact]
    public void A_single_low_sample_is_averaged_over_its_window()
    {
        var timeline = Timeline((90, 120, 10), (0, 120, 1), (90, 120, 30));
        ScaleStep[] steps = [new(TimeSpan.Zero, 3), new(TimeSpan.Zero, 8)];

        var low = StormMetrics.LowestDuringSteps(timeline, steps, TimeSpan.FromSeconds(1), available: 90);

        Assert.Equal(0.9, low!.Value.Share, 3);
    }

    [Fact]
    public void No_scale_step_means_no_lowest()
    {
        Assert.Null(StormMetrics.LowestDuringSteps(Timeline((90, 120, 10)), [new(TimeSpan.Zero, 4)], TimeSpan.FromSeconds(1), 90));
    }

    [Theory]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0 }, 2.5)]
    [InlineData(new[] { 5.0 }, 5.0)]
    public void The_median_is_the_middle_value_or_the_mean_of_the_middle_two(double[] values, double median)
    {
        Assert.Equal(median, StormMetrics.Median(values), 6);
    }
}

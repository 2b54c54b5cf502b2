namespace PoolOperator.ScaleStorm.Tests;

public class StormOptionsTests
{
    [Theory]
    [InlineData(new[] { "--workers", "many" }, "--workers")]
    [InlineData(new[] { "--duration", "0" }, "--duration")]
    [InlineData(new[] { "--mode", "pgpool" }, "--mode")]
    [InlineData(new[] { "--reserved", "100" }, "--reserved")]
    [InlineData(new[] { "--chart" }, "--chart")]
    [InlineData(new[] { "--turbo" }, "--turbo")]
    [InlineData(new[] { "--repeat", "0" }, "--repeat")]
    [InlineData(new[] { "--pod-start", "soon" }, "--pod-start")]
    [InlineData(new[] { "--pod-stop", "-1s" }, "--pod-stop")]
    [InlineData(new[] { "--script", "3,x@2s" }, "--script")]
    [InlineData(new[] { "--agent", "rust" }, "--agent")]
    public void A_malformed_option_is_named(string[] args, string option)
    {
        var error = Assert.Throws<StormOptionException>(() => StormOptions.Parse(args));

        Assert.Equal(option, error.Option);
        Assert.StartsWith(option + " ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_a_short_storm_of_all_three_modes_twice()
    {
        var options = StormOptions.Parse([]);

        Assert.Equal([StormMode.Static, StormMode.PgBouncer, StormMode.PoolOperator], options.Modes);
        Assert.Equal(90, options.Available);
        Assert.Equal(2, options.Repeat);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PodStart);
        Assert.False(options.Steady);

        // Each run also waits for its initial pods to start: the whole default demo stays within three minutes.
        Assert.True((options.Duration + options.PodStart) * options.Modes.Count * options.Repeat < TimeSpan.FromMinutes(3));
    }

    [Theory]
    [InlineData("8s", 8000)]
    [InlineData("300ms", 300)]
    [InlineData("1.5", 1500)]
    [InlineData("1m30s", 90000)]
    [InlineData("0", 0)]
    public void Pod_times_take_a_unit_or_seconds(string value, int milliseconds)
    {
        var options = StormOptions.Parse(["--pod-start", value, "--pod-stop", value]);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.PodStart);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.PodStop);
    }

    [Fact]
    public void The_long_preset_is_the_issues_storm_and_later_options_override_it()
    {
        var options = StormOptions.Parse(["--long", "--duration", "30"]);

        Assert.Equal("3,8@10s,2@25s,12@35s,4@50s", options.Script);
        Assert.Equal(TimeSpan.FromSeconds(8), options.PodStart);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
    }

    [Fact]
    public void The_steady_preset_runs_short_queries_without_scaling()
    {
        var options = StormOptions.Parse(["--steady"]);

        Assert.True(options.Steady);
        Assert.Equal(TimeSpan.Zero, options.QueryDuration);
    }

    [Theory]
    [InlineData("dotnet", "DotNet")]
    [InlineData("go", "Go")]
    [InlineData("mixed", "Mixed")]
    public void The_agent_of_PoolOperator_mode_is_chosen(string value, string agent)
    {
        Assert.Equal(Enum.Parse<AgentKind>(agent), StormOptions.Parse(["--agent", value]).Agent);
        Assert.Equal(AgentKind.DotNet, StormOptions.Parse([]).Agent);
    }

    [Fact]
    public void Modes_parse_case_insensitively()
    {
        Assert.Equal([StormMode.PoolOperator, StormMode.Static], StormOptions.Parse(["--mode", "PoolOperator,static"]).Modes);
    }
}

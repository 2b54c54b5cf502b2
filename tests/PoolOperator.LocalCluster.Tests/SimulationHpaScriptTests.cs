using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>Parsing of HPA driver scripts such as <c>3,8@10s,2@20s</c>.</summary>
public sealed class SimulationHpaScriptTests
{
    [Fact]
    public void The_demo_script_parses_into_timed_steps()
    {
        var script = HpaScript.Parse("3,8@10s,2@20s,12@30s,4@45s");

        Assert.Equal(
            [
                new HpaScriptStep(3, TimeSpan.Zero),
                new HpaScriptStep(8, TimeSpan.FromSeconds(10)),
                new HpaScriptStep(2, TimeSpan.FromSeconds(20)),
                new HpaScriptStep(12, TimeSpan.FromSeconds(30)),
                new HpaScriptStep(4, TimeSpan.FromSeconds(45)),
            ],
            script.Steps);
    }

    [Fact]
    public void Delays_count_from_the_previous_step_and_units_combine()
    {
        var script = HpaScript.Parse("2@1m30s, 5+500ms, 6, 7+1.5s, 1@2h");

        Assert.Equal(
            [TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(90_500), TimeSpan.FromMilliseconds(90_500), TimeSpan.FromSeconds(92), TimeSpan.FromHours(2)],
            script.Steps.Select(s => s.Offset));
    }

    [Fact]
    public void The_canonical_form_parses_back_to_the_same_steps()
    {
        var script = HpaScript.Parse("3,8@10s,2+250ms");

        Assert.Equal(script.Steps, HpaScript.Parse(script.ToString()).Steps);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("3,,4", "step 2")]
    [InlineData("three", "replica count")]
    [InlineData("-1", "replica count")]
    [InlineData("3@10", "unknown time unit")]
    [InlineData("3@10d", "unknown time unit")]
    [InlineData("3@", "time is missing")]
    [InlineData("3@x1s", "not a duration")]
    [InlineData("3@20s,4@10s", "before the previous step")]
    public void Bad_scripts_are_rejected_with_a_message_that_says_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => HpaScript.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}

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
    public void A_malformed_option_is_named(string[] args, string option)
    {
        var error = Assert.Throws<StormOptionException>(() => StormOptions.Parse(args));

        Assert.Equal(option, error.Option);
        Assert.StartsWith(option + " ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_the_short_storm_of_all_three_modes()
    {
        var options = StormOptions.Parse([]);

        Assert.Equal([StormMode.Static, StormMode.PgBouncer, StormMode.PoolOperator], options.Modes);
        Assert.Equal(90, options.Available);
        Assert.True(options.Duration * options.Modes.Count < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Modes_parse_case_insensitively()
    {
        Assert.Equal([StormMode.PoolOperator, StormMode.Static], StormOptions.Parse(["--mode", "PoolOperator,static"]).Modes);
    }
}

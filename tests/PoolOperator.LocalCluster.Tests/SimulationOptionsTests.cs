using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>Bad simulator settings are refused up front, naming the setting.</summary>
public sealed class SimulationOptionsTests
{
    [Theory]
    [InlineData(nameof(WorkloadSimulatorOptions.PendingDuration))]
    [InlineData(nameof(WorkloadSimulatorOptions.TerminationGracePeriod))]
    [InlineData(nameof(WorkloadSimulatorOptions.ResyncPeriod))]
    public void A_negative_duration_is_refused_by_name(string setting)
    {
        var options = new WorkloadSimulatorOptions();
        typeof(WorkloadSimulatorOptions).GetProperty(setting)!.SetValue(options, TimeSpan.FromSeconds(-1));

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);

        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void An_empty_namespace_name_is_refused()
    {
        var options = new WorkloadSimulatorOptions { Namespaces = ["shop", " "] };

        Assert.Equal(nameof(WorkloadSimulatorOptions.Namespaces), Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        new WorkloadSimulatorOptions().Validate();
        new WorkloadSimulatorOptions { TerminationGracePeriod = TimeSpan.Zero, PendingDuration = TimeSpan.Zero }.Validate();
    }
}

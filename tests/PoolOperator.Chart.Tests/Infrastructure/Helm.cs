using PoolOperator.Testing.Tools;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>helm template and helm lint on charts/pool-operator.</summary>
internal static class Helm
{
    /// <summary>The release name the tests render with.</summary>
    public const string Release = "pool-operator";

    /// <summary>The release namespace the tests render with.</summary>
    public const string Namespace = "pool-operator";

    /// <summary>Renders the chart; fails the test when helm fails.</summary>
    public static async Task<RenderedChart> TemplateAsync(params string[] extraArguments)
    {
        var result = await TryTemplateAsync(extraArguments);
        Assert.True(result.ExitCode == 0, "helm template failed: " + result);
        return RenderedChart.Parse(result.Output);
    }

    /// <summary>Renders the chart and returns helm's result as it is.</summary>
    public static Task<ToolResult> TryTemplateAsync(params string[] extraArguments) =>
        ToolProcess.RunAsync(ToolProcess.Helm, ["template", Release, RepositoryPaths.Chart, "--namespace", Namespace, .. extraArguments]);

    /// <summary>Runs helm lint --strict.</summary>
    public static Task<ToolResult> LintAsync(params string[] extraArguments) =>
        ToolProcess.RunAsync(ToolProcess.Helm, ["lint", RepositoryPaths.Chart, "--strict", "--namespace", Namespace, .. extraArguments]);

    /// <summary>A values file shipped with the tests.</summary>
    public static string ValuesFile(string name) => Path.Combine(AppContext.BaseDirectory, "values", name);
}

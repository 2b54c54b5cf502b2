using System.Text.RegularExpressions;
using System.Xml.Linq;
using PoolOperator.Chart.Tests.Infrastructure;

namespace PoolOperator.Chart.Tests;

/// <summary>
/// The operator's Dockerfile cannot be built here (no container engine), so these checks read it:
/// multi-stage, non-root numeric user, the runtime matching the project's target framework, and
/// every path it copies existing.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(RepositoryPaths.Of("Dockerfile"));

    [Fact]
    public void It_builds_with_the_sdk_and_runs_on_a_runtime_image_of_the_same_dotnet_version()
    {
        var framework = XDocument.Load(RepositoryPaths.Of("Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        var version = framework.Replace("net", "", StringComparison.Ordinal);
        var stages = Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, stages.Count);
        Assert.StartsWith($"FROM mcr.microsoft.com/dotnet/sdk:{version}", stages[0], StringComparison.Ordinal);
        Assert.StartsWith($"FROM mcr.microsoft.com/dotnet/aspnet:{version}", stages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void It_runs_as_the_numeric_non_root_user_the_chart_names()
    {
        var user = Lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        var chartValues = File.ReadAllText(Path.Combine(RepositoryPaths.Chart, "values.yaml"));

        Assert.Matches("^[1-9][0-9]*$", user);
        Assert.Contains($"runAsUser: {user}", chartValues, StringComparison.Ordinal);
    }

    [Fact]
    public void It_exposes_the_http_port_and_starts_the_operator()
    {
        Assert.Contains("EXPOSE 8080", Lines);
        Assert.Contains(Lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("PoolOperator.Operator.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_path_it_copies_exists()
    {
        var sources = Lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l["COPY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, s => Assert.True(File.Exists(RepositoryPaths.Of(s)) || Directory.Exists(RepositoryPaths.Of(s)), $"Dockerfile copies {s}, which does not exist"));
        var project = Lines.Select(l => ProjectPath().Match(l)).First(m => m.Success).Value;
        Assert.True(File.Exists(RepositoryPaths.Of(project)), project);
    }

    [GeneratedRegex(@"src/Operator/[A-Za-z.]+\.csproj")]
    private static partial Regex ProjectPath();
}

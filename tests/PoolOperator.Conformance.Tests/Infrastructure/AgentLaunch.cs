using System.Diagnostics;
using PoolOperator.Testing;

namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>How to start one agent implementation: a program and its arguments.</summary>
internal sealed record AgentLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Names a third-party agent to run instead of the Go and .NET agents: a command line, split on spaces.</summary>
    public const string ExternalAgentVariable = "POOLOPERATOR_CONFORMANCE_AGENT";

    public const string GoName = "go";
    public const string DotNetName = "dotnet";
    public const string ExternalName = "external";

    private static readonly Lazy<AgentLaunch> GoAgent = new(BuildGoAgent);

    /// <summary>The agent called <paramref name="name"/> (<see cref="GoName"/>, <see cref="DotNetName"/> or <see cref="ExternalName"/>).</summary>
    public static AgentLaunch Named(string name) => name switch
    {
        GoName => GoAgent.Value,
        DotNetName => DotNet(),
        ExternalName => External() ?? throw new InvalidOperationException($"{ExternalAgentVariable} is not set."),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such agent"),
    };

    /// <summary>The command in <see cref="ExternalAgentVariable"/>, or null when it is not set.</summary>
    public static AgentLaunch? External()
    {
        var external = Environment.GetEnvironmentVariable(ExternalAgentVariable);
        if (string.IsNullOrWhiteSpace(external))
        {
            return null;
        }

        var parts = external.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new AgentLaunch(parts[0], parts[1..]);
    }

    /// <summary>The .NET conformance agent (tests/PoolOperator.Conformance.DotNetAgent), built with this suite.</summary>
    private static AgentLaunch DotNet()
    {
        // This suite's output is tests/PoolOperator.Conformance.Tests/bin/<configuration>/<framework>/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var dll = Path.Combine(RepositoryRoot.Path, "tests", "PoolOperator.Conformance.DotNetAgent", "bin", configuration, framework, "PoolOperator.Conformance.DotNetAgent.dll");
        return File.Exists(dll)
            ? new AgentLaunch("dotnet", [dll])
            : throw new InvalidOperationException($"{dll} is missing: build tests/PoolOperator.Conformance.DotNetAgent.");
    }

    /// <summary>The Go conformance agent (clients/go/cmd/conformance-agent), built here with the Go toolchain, offline.</summary>
    private static AgentLaunch BuildGoAgent()
    {
        var module = Path.Combine(RepositoryRoot.Path, "clients", "go");
        var binary = Path.Combine(Path.GetTempPath(), $"pooloperator-conformance-agent-{Environment.ProcessId}");
        var build = new ProcessStartInfo("go", ["build", "-o", binary, "./cmd/conformance-agent"])
        {
            WorkingDirectory = module,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The drivers come from Debian's packages through replace directives: never the module proxy.
            Environment = { ["GOPROXY"] = "off", ["GOFLAGS"] = "-mod=mod" },
        };
        using var process = Process.Start(build) ?? throw new InvalidOperationException("go did not start: install golang-go (scripts/prerequisites.sh).");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"go build of the conformance agent failed:{Environment.NewLine}{errors.Result}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(binary);
        return new AgentLaunch(binary, []);
    }
}

using System.Diagnostics;

namespace PoolOperator.Testing.Tools;

/// <summary>What a finished tool run printed and returned.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>Runs the real helm and kubectl binaries (from .tools/bin, or $HELM / $KUBECTL).</summary>
public static class ToolProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The helm binary: $HELM, else .tools/bin/helm (installed by .ci/install-tools.sh).</summary>
    public static string Helm => Locate("HELM", "helm");

    /// <summary>The kubectl binary: $KUBECTL, else .tools/bin/kubectl.</summary>
    public static string Kubectl => Locate("KUBECTL", "kubectl");

    /// <summary>Runs a tool to completion (bounded) and returns what it printed.</summary>
    public static async Task<ToolResult> RunAsync(string tool, IEnumerable<string> arguments, string? standardInput = null, IDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(tool)} {string.Join(' ', start.ArgumentList)} did not finish within {Timeout}.");
        }

        return new ToolResult(process.ExitCode, await output, await error);
    }

    private static string Locate(string variable, string name)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        var installed = RepositoryRoot.Of(".tools", "bin", name);
        return File.Exists(installed)
            ? installed
            : throw new FileNotFoundException($"No {name} binary: set {variable} or run `bash .ci/install-tools.sh` (puts it in .tools/bin).");
    }
}

using System.Diagnostics;
using System.Text;

namespace PoolOperator.Testing;

/// <summary>
/// Runs a PostgreSQL tool to completion. PostgreSQL refuses to run as root, so when this process is
/// root the tool runs as the <c>postgres</c> user through <c>runuser</c> (or <c>su</c> where runuser is missing).
/// </summary>
internal static class ServerProcess
{
    private const string ServiceUser = "postgres";

    public static bool RunningAsRoot { get; } = OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>Gives the directory tree to the postgres user when the tools will run as that user.</summary>
    public static async Task HandOverAsync(string directory, CancellationToken cancellationToken)
    {
        if (RunningAsRoot)
        {
            await RunRawAsync("chown", ["-R", ServiceUser + ":", directory], cancellationToken);
        }
    }

    /// <summary>Runs <paramref name="tool"/> with <paramref name="arguments"/>; throws with its output when it fails.</summary>
    public static Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (!RunningAsRoot)
        {
            return RunRawAsync(tool, arguments, cancellationToken);
        }

        if (File.Exists("/usr/sbin/runuser") || File.Exists("/sbin/runuser"))
        {
            return RunRawAsync("runuser", ["-u", ServiceUser, "--", tool, .. arguments], cancellationToken);
        }

        var command = string.Join(' ', new[] { tool }.Concat(arguments).Select(Quote));
        return RunRawAsync("su", [ServiceUser, "-s", "/bin/sh", "-c", command], cancellationToken);
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task<string> RunRawAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server inherits the tool's environment: keep locale settings from breaking initdb.
            Environment = { ["LC_ALL"] = "C", ["LANG"] = "C" },
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with code {process.ExitCode}:{Environment.NewLine}{output}");
        }

        return output.ToString();
    }
}

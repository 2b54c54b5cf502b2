using System.Diagnostics;
using PoolOperator.Testing;

namespace PoolOperator.ScaleStorm.Infrastructure;

/// <summary>Builds the Go replica (examples/ScaleStorm/GoReplica) once per storm, offline, with Debian's Go toolchain and drivers.</summary>
internal static class GoReplicaBuild
{
    public static async Task<string> BuildAsync(CancellationToken cancellationToken)
    {
        var module = RepositoryRoot.Of("examples", "ScaleStorm", "GoReplica");
        var binary = Path.Combine(Path.GetTempPath(), $"scale-storm-goreplica-{Environment.ProcessId}");
        var build = new ProcessStartInfo("go", ["build", "-o", binary, "."])
        {
            WorkingDirectory = module,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The drivers come from Debian's packages through replace directives: never the module proxy.
            Environment = { ["GOPROXY"] = "off", ["GOFLAGS"] = "-mod=mod" },
        };
        Process process;
        try
        {
            process = Process.Start(build) ?? throw new InvalidOperationException("go did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Go replicas need the Go toolchain: install golang-go (scripts/prerequisites.sh). " + e.Message, e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("go build of the Go replica failed: " + await errors);
            }
        }

        return binary;
    }
}

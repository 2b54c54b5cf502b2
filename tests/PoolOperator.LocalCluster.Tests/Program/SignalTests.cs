using System.Diagnostics;
using System.Net.Sockets;

namespace PoolOperator.LocalCluster.Tests.Program;

/// <summary>The local cluster program as a process: SIGTERM and SIGINT stop it cleanly, with exit code 0.</summary>
public sealed class SignalTests
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_stops_the_program_and_its_simulator_and_it_exits_0(string signal)
    {
        var dir = Directory.CreateTempSubdirectory("poolop-signal-").FullName;
        using var program = StartProgram(Path.Combine(dir, "kubeconfig"));
        try
        {
            var port = await ListeningPortAsync(program);

            using (var kill = Process.Start("kill", ["-" + signal, program.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // generous: a hang, not speed, is the failure
            await program.WaitForExitAsync(bound.Token);
            Assert.Equal(0, program.ExitCode);
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
        }
        finally
        {
            if (!program.HasExited)
            {
                program.Kill(entireProcessTree: true); // only when the test failed: never leave it running
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process StartProgram(string kubeconfig)
    {
        var dll = typeof(LocalKubernetesServer).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--port", "0", "--kubeconfig", kubeconfig })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("the program did not start");
    }

    private static async Task<int> ListeningPortAsync(Process program)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await program.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("PoolOperator local cluster listening on ", StringComparison.Ordinal))
            {
                _ = program.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = program.StandardError.ReadToEndAsync(CancellationToken.None);
                return new Uri(line["PoolOperator local cluster listening on ".Length..]).Port;
            }
        }

        program.Kill();
        throw new InvalidOperationException("the program ended before listening: " + await program.StandardError.ReadToEndAsync(CancellationToken.None));
    }
}

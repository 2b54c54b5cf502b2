using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// One run of a container as a local process in its own process group (started through
/// <c>setsid</c>, without a shell), its stdout and stderr copied line by line into a <see cref="ContainerLog"/>.
/// Signals go to the whole group, so the process's children get them too.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const string SetSid = "/usr/bin/setsid";

    private readonly Process _process;
    private readonly Task _output;
    private readonly bool _ownGroup;

    private ChildProcess(Process process, Task output, bool ownGroup)
    {
        _process = process;
        _output = output;
        _ownGroup = ownGroup;
        Exited = WaitAsync();
    }

    /// <summary>The process id (and, in its own group, the process group id).</summary>
    public int Id => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output is read.</summary>
    public Task<int> Exited { get; }

    /// <summary>Starts <paramref name="argv"/> with exactly <paramref name="environment"/> added to the server's own.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started.</exception>
    public static ChildProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, ContainerLog log)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(log);

        // setsid makes the process the leader of a new session and process group, so a signal to the group
        // reaches whatever it starts, and Ctrl+C in the server's terminal does not hit it directly.
        var ownGroup = File.Exists(SetSid);
        var info = new ProcessStartInfo(ownGroup ? SetSid : argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in ownGroup ? argv : argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{argv[0]} did not start");
        process.StandardInput.Close();
        var output = Task.WhenAll(CopyAsync(process.StandardOutput, log), CopyAsync(process.StandardError, log));
        return new ChildProcess(process, output, ownGroup);
    }

    /// <summary>Asks the process group to stop (SIGTERM).</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Stops the process group at once (SIGKILL).</summary>
    public void Kill() => Signal(SigKill);

    public void Dispose() => _process.Dispose();

    private void Signal(int signal)
    {
        if (_process.HasExited && !_ownGroup)
        {
            return;
        }

        // A negative pid is the process group. ESRCH (the group is gone) is the expected race.
        var target = _ownGroup ? -_process.Id : _process.Id;
        _ = SendSignal(target, signal);
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;

        // The output pipes stay open while a child in the group still holds them: stop waiting for them
        // once the main process is gone and a moment has passed, so a stray child cannot hold the status.
        await Task.WhenAny(_output, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        return code;
    }

    private static async Task CopyAsync(StreamReader reader, ContainerLog log)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            log.Append(line);
        }
    }

    // DllImport rather than LibraryImport: the generated stub would need unsafe code for this one int-only call.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054
}

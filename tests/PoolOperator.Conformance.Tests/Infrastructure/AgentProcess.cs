using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>
/// One agent process under test, spoken to over its stdin/stdout command protocol (docs/protocol.md,
/// "Conformance suite"): <c>hold N</c>, <c>release N</c>, <c>held</c>, <c>stop</c>. Killed on disposal.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _log = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    /// <summary>What the agent wrote to stderr so far (its logs), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>True once the process exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="launch"/> with <paramref name="environment"/> and waits for its <c>ready</c> line.</summary>
    public static async Task<AgentProcess> StartAsync(AgentLaunch launch, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(launch.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{launch.FileName} did not start.");
        var agent = new AgentProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                agent._lines.Writer.TryComplete();
            }
            else
            {
                agent._lines.Writer.TryWrite(e.Data.Trim());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (agent._log)
                {
                    agent._log.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var first = await agent.ReadLineAsync();
        if (first != "ready")
        {
            await agent.DisposeAsync();
            throw new InvalidOperationException($"The agent answered '{first}' instead of 'ready'. Its log:{Environment.NewLine}{agent.Log}");
        }

        return agent;
    }

    /// <summary>Asks the agent to keep <paramref name="count"/> more connections busy (each waits at the gate as needed).</summary>
    public Task HoldAsync(int count) => CommandAsync(string.Create(CultureInfo.InvariantCulture, $"hold {count}"), "ok");

    /// <summary>Gives back the <paramref name="count"/> connections held longest.</summary>
    public Task ReleaseAsync(int count) => CommandAsync(string.Create(CultureInfo.InvariantCulture, $"release {count}"), "ok");

    /// <summary>How many held connections are open now.</summary>
    public async Task<int> HeldAsync()
    {
        await WriteAsync("held");
        var reply = await ReadLineAsync();
        return reply.StartsWith("held ", StringComparison.Ordinal) && int.TryParse(reply.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var held)
            ? held
            : throw new InvalidOperationException($"'held' was answered with '{reply}'.");
    }

    /// <summary>Asks the agent to stop as on SIGTERM; <see cref="StoppedAsync"/> waits for the end.</summary>
    public Task StopAsync() => CommandAsync("stop", "ok");

    /// <summary>Waits for the agent's <c>stopped</c> line and its exit.</summary>
    public async Task<string> StoppedAsync()
    {
        var line = await ReadLineAsync();
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return line;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task CommandAsync(string command, string expected)
    {
        await WriteAsync(command);
        var reply = await ReadLineAsync();
        if (reply != expected)
        {
            throw new InvalidOperationException($"'{command}' was answered with '{reply}'. The agent's log:{Environment.NewLine}{Log}");
        }
    }

    private async Task WriteAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    private async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The agent exited. Its log:{Environment.NewLine}{Log}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The agent did not answer within {ReplyTimeout}. Its log:{Environment.NewLine}{Log}");
        }
    }
}

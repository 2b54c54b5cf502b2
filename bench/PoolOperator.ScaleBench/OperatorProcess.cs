using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PoolOperator.ScaleBench;

/// <summary>
/// The operator as its own process (dotnet PoolOperator.Operator.dll against the local cluster's
/// kubeconfig), with what the benchmark reads of it: peak RSS (VmHWM in /proc/PID/status), the
/// peak of its part that is not file-backed (RssAnon + RssShmem, sampled at each scrape: what a
/// container's memory limit cannot reclaim, unlike mapped assemblies) and the figures of its
/// /metrics endpoint.
/// </summary>
internal sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient http;
    private long peakGcHeap;
    private long peakPrivate;
    private bool disposed;

    private OperatorProcess(Process process, int port)
    {
        this.process = process;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Id => process.Id;

    /// <summary>The largest GC heap (sum over generations after the last collection) seen at a scrape.</summary>
    public long PeakGcHeap => Interlocked.Read(ref peakGcHeap);

    /// <summary>The largest RssAnon + RssShmem seen at a scrape: resident memory that is not a mapped file.</summary>
    public long PeakPrivate => Interlocked.Read(ref peakPrivate);

    public static OperatorProcess Start(string dll, string kubeconfig, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the operator's dll is not built: {dll} (dotnet build src/Operator -c Release)", dll);
        }

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["Operator__HttpPort"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["Operator__LeaderElection__Enabled"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        // As the Dockerfile sets them, so that the benchmark measures what ships (see the Dockerfile for why).
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_GCgen0size"] = "0x1000000";
        start.Environment["DOTNET_GCConserveMemory"] = "7";
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "true";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the operator");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new OperatorProcess(process, port);
    }

    /// <summary>Peak resident set size in bytes (VmHWM), or 0 when unreadable.</summary>
    public long PeakRss() => ProcStatus(process.Id, "VmHWM:");

    /// <summary>Scrapes /metrics; returns the samples, or an empty map while the endpoint is not up.</summary>
    public async Task<Dictionary<string, double>> ScrapeAsync()
    {
        RaisePeak(ref peakPrivate, ProcStatus(process.Id, "RssAnon:") + ProcStatus(process.Id, "RssShmem:"));
        try
        {
            var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var samples = Metrics.Sum(text);
            RaisePeak(ref peakGcHeap, (long)samples.GetValueOrDefault("dotnet_gc_last_collection_heap_size_bytes"));
            return samples;
        }
        catch (HttpRequestException)
        {
            return [];
        }
        catch (TaskCanceledException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        http.Dispose();
    }

    /// <summary>A kB figure of /proc/PID/status, in bytes.</summary>
    public static long ProcStatus(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void RaisePeak(ref long peak, long value)
    {
        var seen = Interlocked.Read(ref peak);
        while (value > seen && Interlocked.CompareExchange(ref peak, value, seen) != seen)
        {
            seen = Interlocked.Read(ref peak);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Reads a Prometheus text exposition into sums per metric name (over all label sets).</summary>
internal static class Metrics
{
    public static Dictionary<string, double> Sum(string text)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp]
            var nameEnd = line.IndexOfAny(['{', ' ']);
            var labelsEnd = nameEnd > 0 && line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) + 1 : nameEnd;
            if (nameEnd <= 0 || labelsEnd <= 0
                || !double.TryParse(line[labelsEnd..].Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var name = line[..nameEnd];
            sums[name] = sums.GetValueOrDefault(name) + value;
        }

        return sums;
    }
}

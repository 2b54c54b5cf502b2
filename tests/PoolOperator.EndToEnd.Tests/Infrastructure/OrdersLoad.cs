using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Clients of the example service, the way a Service would spread them: each worker calls
/// <c>GET /orders/count</c> on the ready pods in turn (their pod IPs, port 8080). The test sets the ready
/// pods as they change; each request holds one of a pod's connections for a moment, so the pools stay busy
/// while the operator shrinks and raises them.
/// </summary>
internal sealed class OrdersLoad : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _served = new(StringComparer.Ordinal);
    private readonly Task[] _workers;
    private ImmutableArray<string> _targets = [];
    private int _failures;

    /// <summary>Starts <paramref name="workers"/> clients; they wait until <see cref="SetTargets"/> names pods.</summary>
    public OrdersLoad(int workers) => _workers = [.. Enumerable.Range(0, workers).Select(i => Task.Run(() => RunAsync(i)))];

    /// <summary>Requests answered 200, over all pods.</summary>
    public int Served => _served.Values.Sum();

    /// <summary>Requests that failed (a pod stopping mid-request, a timeout at the gate).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Requests answered 200 by the pod at <paramref name="podIp"/>.</summary>
    public int ServedBy(string podIp) => _served.GetValueOrDefault(podIp);

    /// <summary>The pods to send requests to (the ready ones).</summary>
    public void SetTargets(IEnumerable<string> podIps) => ImmutableInterlocked.InterlockedExchange(ref _targets, [.. podIps]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(int worker)
    {
        var turn = worker;
        while (!_stop.IsCancellationRequested)
        {
            var targets = _targets;
            if (targets.IsEmpty)
            {
                await PauseAsync(TimeSpan.FromMilliseconds(100));
                continue;
            }

            var ip = targets[turn++ % targets.Length];
            try
            {
                using var response = await _http.GetAsync(new Uri($"http://{ip}:8080/orders/count"), _stop.Token);
                if (response.IsSuccessStatusCode)
                {
                    _served.AddOrUpdate(ip, 1, (_, n) => n + 1);
                    continue;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref _failures);
            await PauseAsync(TimeSpan.FromMilliseconds(50));
        }
    }

    private async Task PauseAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

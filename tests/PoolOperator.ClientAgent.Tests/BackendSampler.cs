using System.Collections.Concurrent;
using System.Diagnostics;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests;

/// <summary>Counts the server's backends of one application name continuously, until disposed.</summary>
internal sealed class BackendSampler : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly string _applicationName;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(long Timestamp, int Count)> _samples = new();
    private readonly Task _loop;

    public BackendSampler(PostgresServer server, string applicationName)
    {
        _server = server;
        _applicationName = applicationName;
        _loop = Task.Run(SampleAsync);
    }

    public IReadOnlyList<(long Timestamp, int Count)> Samples => [.. _samples];

    public int Max => _samples.IsEmpty ? 0 : _samples.Max(sample => sample.Count);

    public int MaxSince(long timestamp) => _samples.Where(sample => sample.Timestamp >= timestamp).Select(sample => sample.Count).DefaultIfEmpty(0).Max();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var count = await _server.CountBackendsAsync(_applicationName, _stop.Token);
                _samples.Enqueue((Stopwatch.GetTimestamp(), count));
                await Task.Delay(5, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

using BenchmarkDotNet.Attributes;
using PoolOperator.ClientAgent;

namespace PoolOperator.Benchmarks;

/// <summary>
/// The agent's gate on its own: one uncontended acquire and release, against SemaphoreSlim (which
/// cannot lower its maximum, the reason the gate exists) as the yardstick.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet needs an unsealed class and disposes through [GlobalCleanup].")]
public class GateBenchmarks
{
    private readonly ConnectionGate _gate = new("bench", initialLimit: 10, TimeSpan.FromSeconds(30), TimeProvider.System);
    private readonly SemaphoreSlim _semaphore = new(10, 10);

    [Benchmark(Baseline = true)]
    public async Task SemaphoreSlim_wait_and_release()
    {
        await _semaphore.WaitAsync();
        _semaphore.Release();
    }

    [Benchmark]
    public async Task Gate_acquire_and_release()
    {
        await _gate.AcquireAsync();
        _gate.Release();
    }

    [GlobalCleanup]
    public void Cleanup() => _semaphore.Dispose();
}

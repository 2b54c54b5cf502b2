using BenchmarkDotNet.Attributes;
using Npgsql;
using PoolOperator.ClientAgent;
using PoolOperator.Testing;

namespace PoolOperator.Benchmarks;

/// <summary>
/// What an application pays for the agent on every query: open a pooled connection, run
/// <c>SELECT 1</c>, close it, through the budgeted data source and through raw Npgsql, side by side
/// against one real PostgreSQL server that the benchmark starts.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GatedQueryBenchmarks
{
    private PostgresServer? _server;
    private NpgsqlDataSource? _raw;
    private BudgetedDataSource? _gated;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await PostgresServer.StartAsync();
        _raw = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { MaxPoolSize = 10 }.ConnectionString).Build();
        _gated = new BudgetedDataSourceBuilder(_server.ConnectionString, new ClientAgentOptions { StaticLimit = 10, MaxPoolSize = 10 }).Build();
        await RawAsync();
        await GatedAsync();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> RawAsync()
    {
        await using var connection = await _raw!.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        return (int)(await command.ExecuteScalarAsync())!;
    }

    [Benchmark]
    public async Task<int> GatedAsync()
    {
        await using var connection = await _gated!.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        return (int)(await command.ExecuteScalarAsync())!;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_gated is not null)
        {
            await _gated.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

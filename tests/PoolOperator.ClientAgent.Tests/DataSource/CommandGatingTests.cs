using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.DataSource;

/// <summary>Commands and batches made by the data source open their connections through the gate.</summary>
[Collection(PostgresTests.Name)]
public sealed class CommandGatingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Data_source_commands_wait_for_slots_and_hold_no_more_backends_than_the_limit()
    {
        var applicationName = TestDataSources.NewApplicationName("cmd");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 2);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);

        var commands = Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var command = dataSource.CreateCommand("SELECT pg_sleep(0.2)");
            await command.ExecuteNonQueryAsync();
        });
        await Task.WhenAll(commands);

        Assert.InRange(sampler.Max, 1, 2);
        Assert.True(dataSource.Stats().WaitCount >= 6);
        Assert.Equal(0, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task Data_source_batches_wait_for_slots_and_hold_no_more_backends_than_the_limit()
    {
        var applicationName = TestDataSources.NewApplicationName("batch");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 2);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);

        var batches = Enumerable.Range(0, 8).Select(async i =>
        {
            await using var batch = dataSource.CreateBatch();
            var first = batch.CreateBatchCommand();
            first.CommandText = "SELECT pg_sleep(0.2)";
            var second = batch.CreateBatchCommand();
            second.CommandText = $"SELECT {i}";
            batch.BatchCommands.Add(first);
            batch.BatchCommands.Add(second);
            await batch.ExecuteNonQueryAsync();
        });
        await Task.WhenAll(batches);

        Assert.InRange(sampler.Max, 1, 2);
        Assert.True(dataSource.Stats().WaitCount >= 6);
        Assert.Equal(0, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task A_command_reader_holds_its_slot_until_the_reader_is_closed()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("reader"), limit: 1);
        await using var command = dataSource.CreateCommand("SELECT generate_series(1, 3)");

        var reader = await command.ExecuteReaderAsync();
        Assert.Equal(1, dataSource.Stats().InUse);
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }

        await reader.DisposeAsync();
        Assert.Equal(3, rows);
        Assert.Equal(0, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task Scalar_and_parameters_work_through_a_data_source_command()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("scalar"), limit: 1);
        await using var command = dataSource.CreateCommand("SELECT $1::int + 1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = 41 });

        Assert.Equal(42, await command.ExecuteScalarAsync());
        Assert.Equal(42, command.ExecuteScalar());
        Assert.Equal(0, dataSource.Stats().InUse);
    }
}

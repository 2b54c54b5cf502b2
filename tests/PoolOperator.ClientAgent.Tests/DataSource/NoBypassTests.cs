using System.Transactions;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.DataSource;

/// <summary>No open escapes the gate: TransactionScope (Enlist) and multiplexing.</summary>
[Collection(PostgresTests.Name)]
public sealed class NoBypassTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Three_open_TransactionScopes_at_limit_2_never_hold_3_backends()
    {
        var applicationName = TestDataSources.NewApplicationName("scope");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: 2);
        await using var sampler = new BackendSampler(postgres.Server, applicationName);
        using var allOpened = new CountdownEvent(3);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var scopes = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            using var scope = new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled);
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync();
            }

            // With Enlist, Npgsql would keep this connector for the scope after the gate got the slot back.
            allOpened.Signal();
            await release.Task;
            scope.Complete();
        })).ToArray();

        await Task.Run(() => allOpened.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(allOpened.IsSet, "every scope opened and closed a connection");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var whileOpen = await postgres.Server.CountBackendsAsync(applicationName);
        release.SetResult();
        await Task.WhenAll(scopes);

        Assert.InRange(whileOpen, 1, 2);
        Assert.InRange(sampler.Max, 1, 2);
        Assert.InRange(dataSource.Stats().Physical, 1, 2);
    }

    [Fact]
    public async Task Enlisting_a_budgeted_connection_by_hand_is_refused()
    {
        await using var dataSource = TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName("enlist"), limit: 1);
        using var scope = new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled);
        await using var connection = await dataSource.OpenConnectionAsync();

        var exception = Assert.Throws<NotSupportedException>(() => connection.EnlistTransaction(Transaction.Current));

        Assert.Contains("Enlist=false", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multiplexing_is_refused_at_build_naming_the_setting()
    {
        var builder = new BudgetedDataSourceBuilder(postgres.ConnectionString + ";Multiplexing=true", new ClientAgentOptions { StaticLimit = 2 });

        var exception = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(builder.Build);

        Assert.Contains(exception.Failures, failure => failure.Contains("Multiplexing=true", StringComparison.Ordinal));
    }
}

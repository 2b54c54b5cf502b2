using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace PoolOperator.ClientAgent.EntityFrameworkCore;

/// <summary>
/// Takes a slot from a <see cref="BudgetedDataSource"/>'s gate before EF Core opens a connection. EF Core creates
/// its connections from the Npgsql data source and opens them itself, so a gate in the data source's own open
/// methods would never see them. The slot comes back when the connection closes (its StateChange), or here when
/// the open fails.
/// </summary>
public sealed class BudgetGateInterceptor : DbConnectionInterceptor
{
    private static readonly ConditionalWeakTable<BudgetedDataSource, BudgetGateInterceptor> Instances = new();

    private readonly BudgetedDataSource _dataSource;

    private BudgetGateInterceptor(BudgetedDataSource dataSource) => _dataSource = dataSource;

    /// <summary>The interceptor of <paramref name="dataSource"/> (one per data source, so EF Core's options stay equal across contexts).</summary>
    public static BudgetGateInterceptor For(BudgetedDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Instances.GetValue(dataSource, static source => new BudgetGateInterceptor(source));
    }

    /// <inheritdoc />
    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        _dataSource.Enter(AsNpgsql(connection));
        return result;
    }

    /// <inheritdoc />
    public override async ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        await _dataSource.EnterAsync(AsNpgsql(connection), cancellationToken);
        return result;
    }

    /// <inheritdoc />
    public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) =>
        _dataSource.OpenFailed(AsNpgsql(connection));

    /// <inheritdoc />
    public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        _dataSource.OpenFailed(AsNpgsql(connection));
        return Task.CompletedTask;
    }

    private static NpgsqlConnection AsNpgsql(DbConnection connection) =>
        connection as NpgsqlConnection
        ?? throw new InvalidOperationException(
            $"The budget gate interceptor works with Npgsql connections; EF Core opened a {connection.GetType().Name}. Use UseBudgetedNpgsql.");
}

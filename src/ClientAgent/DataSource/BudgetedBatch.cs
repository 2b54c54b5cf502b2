using System.Data;
using System.Data.Common;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// A batch made by <see cref="System.Data.Common.DbDataSource.CreateBatch"/> of a <see cref="BudgetedDataSource"/>: each execution opens a connection through the
/// gate, runs, and gives the connection back (for a reader, when the reader is closed).
/// </summary>
public sealed class BudgetedBatch : DbBatch
{
    private readonly BudgetedDataSource _dataSource;
    private readonly NpgsqlBatch _inner = new();

    internal BudgetedBatch(BudgetedDataSource dataSource) => _dataSource = dataSource;

    /// <summary>The batch's commands, as Npgsql batch commands.</summary>
    public new NpgsqlBatchCommandCollection BatchCommands => _inner.BatchCommands;

    /// <inheritdoc />
    public override int Timeout
    {
        get => _inner.Timeout;
        set => _inner.Timeout = value;
    }

    /// <inheritdoc />
    protected override DbBatchCommandCollection DbBatchCommands => _inner.BatchCommands;

    /// <summary>Not supported: the batch takes a connection from its data source for each execution.</summary>
    protected override DbConnection? DbConnection
    {
        get => throw NotOnDataSourceBatch();
        set => throw NotOnDataSourceBatch();
    }

    /// <summary>Not supported: a batch of a data source runs outside any transaction.</summary>
    protected override DbTransaction? DbTransaction
    {
        get => throw NotOnDataSourceBatch();
        set => throw NotOnDataSourceBatch();
    }

    /// <inheritdoc />
    public override void Cancel() => _inner.Cancel();

    /// <inheritdoc />
    public override int ExecuteNonQuery()
    {
        using var connection = _dataSource.OpenConnection();
        _inner.Connection = connection.Inner;
        try
        {
            return _inner.ExecuteNonQuery();
        }
        finally
        {
            _inner.Connection = null;
        }
    }

    /// <inheritdoc />
    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        _inner.Connection = connection.Inner;
        try
        {
            return await _inner.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _inner.Connection = null;
        }
    }

    /// <inheritdoc />
    public override object? ExecuteScalar()
    {
        using var connection = _dataSource.OpenConnection();
        _inner.Connection = connection.Inner;
        try
        {
            return _inner.ExecuteScalar();
        }
        finally
        {
            _inner.Connection = null;
        }
    }

    /// <inheritdoc />
    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        _inner.Connection = connection.Inner;
        try
        {
            return await _inner.ExecuteScalarAsync(cancellationToken);
        }
        finally
        {
            _inner.Connection = null;
        }
    }

    /// <inheritdoc />
    public override void Prepare() => throw new NotSupportedException("A data source batch cannot be prepared.");

    /// <inheritdoc />
    public override Task PrepareAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException("A data source batch cannot be prepared.");

    /// <inheritdoc />
    protected override DbBatchCommand CreateDbBatchCommand() => _inner.CreateBatchCommand();

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
    {
        var connection = _dataSource.OpenConnection();
        try
        {
            _inner.Connection = connection.Inner;
            return _inner.ExecuteReader(behavior | CommandBehavior.CloseConnection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            _inner.Connection = connection.Inner;
            return await _inner.ExecuteReaderAsync(behavior | CommandBehavior.CloseConnection, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _inner.Dispose();
        base.Dispose();
    }

    private static NotSupportedException NotOnDataSourceBatch() =>
        new("A batch made by a data source has no connection or transaction; open a connection to use either.");
}

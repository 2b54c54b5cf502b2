using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// A command made by <see cref="System.Data.Common.DbDataSource.CreateCommand(string?)"/> of a <see cref="BudgetedDataSource"/>: each execution opens a connection
/// through the gate, runs, and gives the connection back (for a reader, when the reader is closed).
/// Like <see cref="NpgsqlDataSource.CreateCommand(string?)"/>, it has no connection or transaction of its own.
/// </summary>
public sealed class BudgetedCommand : DbCommand
{
    private readonly BudgetedDataSource _dataSource;
    private readonly NpgsqlCommand _inner;

    internal BudgetedCommand(BudgetedDataSource dataSource, string? commandText)
    {
        _dataSource = dataSource;
        _inner = new NpgsqlCommand(commandText);
    }

    /// <inheritdoc />
    [AllowNull]
    public override string CommandText
    {
        get => _inner.CommandText;
        set => _inner.CommandText = value;
    }

    /// <inheritdoc />
    public override int CommandTimeout
    {
        get => _inner.CommandTimeout;
        set => _inner.CommandTimeout = value;
    }

    /// <inheritdoc />
    public override CommandType CommandType
    {
        get => _inner.CommandType;
        set => _inner.CommandType = value;
    }

    /// <inheritdoc />
    public override bool DesignTimeVisible
    {
        get => _inner.DesignTimeVisible;
        set => _inner.DesignTimeVisible = value;
    }

    /// <inheritdoc />
    public override UpdateRowSource UpdatedRowSource
    {
        get => _inner.UpdatedRowSource;
        set => _inner.UpdatedRowSource = value;
    }

    /// <summary>The command's parameters, as Npgsql parameters.</summary>
    public new NpgsqlParameterCollection Parameters => _inner.Parameters;

    /// <inheritdoc />
    protected override DbParameterCollection DbParameterCollection => _inner.Parameters;

    /// <summary>Not supported: the command takes a connection from its data source for each execution.</summary>
    protected override DbConnection? DbConnection
    {
        get => throw NotOnDataSourceCommand();
        set => throw NotOnDataSourceCommand();
    }

    /// <summary>Not supported: a command of a data source runs outside any transaction.</summary>
    protected override DbTransaction? DbTransaction
    {
        get => throw NotOnDataSourceCommand();
        set => throw NotOnDataSourceCommand();
    }

    /// <inheritdoc />
    public override void Cancel() => _inner.Cancel();

    /// <inheritdoc />
    public override int ExecuteNonQuery()
    {
        using var connection = _dataSource.OpenConnection();
        return Run(connection, () => _inner.ExecuteNonQuery());
    }

    /// <inheritdoc />
    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
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
        return Run(connection, () => _inner.ExecuteScalar());
    }

    /// <inheritdoc />
    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
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
    public override void Prepare() => throw new NotSupportedException("A data source command cannot be prepared; Npgsql's automatic preparation still applies.");

    /// <inheritdoc />
    protected override DbParameter CreateDbParameter() => _inner.CreateParameter();

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
    {
        var connection = _dataSource.OpenConnection();
        try
        {
            _inner.Connection = connection.Inner;

            // The reader closes the connection, and with it gives the slot back.
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
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private T Run<T>(BudgetedConnection connection, Func<T> execute)
    {
        _inner.Connection = connection.Inner;
        try
        {
            return execute();
        }
        finally
        {
            _inner.Connection = null;
        }
    }

    private static NotSupportedException NotOnDataSourceCommand() =>
        new("A command made by a data source has no connection or transaction; open a connection to use either.");
}

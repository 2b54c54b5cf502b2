using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Transactions;
using Npgsql;

namespace PoolOperator.ClientAgent;

/// <summary>
/// A connection of a <see cref="BudgetedDataSource"/>: an <see cref="NpgsqlConnection"/> whose every open,
/// including a re-open after Close, first takes a slot from the budget's gate. Everything else is the Npgsql
/// connection's own behaviour; use <see cref="Inner"/> for Npgsql-specific API (COPY, notifications) while open.
/// </summary>
public sealed class BudgetedConnection : DbConnection
{
    private readonly ConnectionSlots _slots;
    private readonly SlotTracker _tracker;

    internal BudgetedConnection(ConnectionSlots slots, NpgsqlConnection inner)
    {
        _slots = slots;
        Inner = inner;
        _tracker = slots.CreateTracker();
        inner.StateChange += _tracker.OnStateChange;
        inner.StateChange += (_, e) => OnStateChange(e);
    }

    /// <summary>
    /// The underlying Npgsql connection, for Npgsql-specific API. Open and close this wrapper, not the inner
    /// connection: an inner open bypasses the gate (it is still counted, and logged once).
    /// </summary>
    public NpgsqlConnection Inner { get; }

    /// <inheritdoc />
    [AllowNull]
    public override string ConnectionString
    {
        get => Inner.ConnectionString;
        set => throw new NotSupportedException("The connection string of a data source's connection cannot be changed.");
    }

    /// <inheritdoc />
    public override string Database => Inner.Database;

    /// <inheritdoc />
    public override string DataSource => Inner.DataSource;

    /// <inheritdoc />
    public override string ServerVersion => Inner.ServerVersion;

    /// <inheritdoc />
    public override ConnectionState State => Inner.State;

    /// <inheritdoc />
    public override int ConnectionTimeout => Inner.ConnectionTimeout;

    /// <inheritdoc />
    public override bool CanCreateBatch => true;

    /// <inheritdoc />
    protected override DbProviderFactory DbProviderFactory => NpgsqlFactory.Instance;

    /// <summary>Takes a slot from the gate (blocking while the budget is exhausted), then opens.</summary>
    /// <exception cref="ConnectionBudgetTimeoutException">No slot became free within the acquire timeout.</exception>
    public override void Open()
    {
        _slots.ReserveBlocking(_tracker, CancellationToken.None);
        try
        {
            Inner.Open();
        }
        catch
        {
            _tracker.AbandonReservation();
            throw;
        }
    }

    /// <summary>Waits for a slot from the gate, then opens.</summary>
    /// <exception cref="ConnectionBudgetTimeoutException">No slot became free within the acquire timeout.</exception>
    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        await _slots.ReserveAsync(_tracker, cancellationToken);
        try
        {
            await Inner.OpenAsync(cancellationToken);
        }
        catch
        {
            _tracker.AbandonReservation();
            throw;
        }
    }

    /// <inheritdoc />
    public override void Close() => Inner.Close();

    /// <inheritdoc />
    public override Task CloseAsync() => Inner.CloseAsync();

    /// <inheritdoc />
    public override void ChangeDatabase(string databaseName) => Inner.ChangeDatabase(databaseName);

    /// <inheritdoc />
    public override DataTable GetSchema() => Inner.GetSchema();

    /// <inheritdoc />
    public override DataTable GetSchema(string collectionName) => Inner.GetSchema(collectionName);

    /// <inheritdoc />
    public override DataTable GetSchema(string collectionName, string?[] restrictionValues) => Inner.GetSchema(collectionName, restrictionValues);

    /// <summary>
    /// Not supported: an enlisted connection's connector stays with its <see cref="Transaction"/> after Close, when the
    /// gate has already got the slot back, so it would hold a backend no budget counts. Use a <see cref="DbTransaction"/>.
    /// </summary>
    public override void EnlistTransaction(Transaction? transaction) =>
        throw new NotSupportedException(
            "A budgeted connection cannot enlist in a System.Transactions transaction (the agent sets Enlist=false): its connector would outlive " +
            "the gate's slot. Use BeginTransaction on the connection instead.");

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>Creates a command on the inner connection; it runs while this connection is open.</summary>
    public new NpgsqlCommand CreateCommand() => Inner.CreateCommand();

    /// <summary>Creates a batch on the inner connection; it runs while this connection is open.</summary>
    public new NpgsqlBatch CreateBatch() => Inner.CreateBatch();

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => Inner.CreateBatch();

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand() => Inner.CreateCommand();

    /// <inheritdoc />
    protected override DbTransaction BeginDbTransaction(System.Data.IsolationLevel isolationLevel) => Inner.BeginTransaction(isolationLevel);

    /// <inheritdoc />
    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(System.Data.IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        await Inner.BeginTransactionAsync(isolationLevel, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using PoolOperator.ClientAgent;
using PoolOperator.ClientAgent.EntityFrameworkCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Points EF Core at a <see cref="BudgetedDataSource"/>.</summary>
public static class BudgetedDbContextOptionsExtensions
{
    /// <summary>
    /// Uses PostgreSQL through <paramref name="dataSource"/>: EF Core gets its underlying Npgsql data source and the
    /// <see cref="BudgetGateInterceptor"/>, so every connection EF Core opens takes a slot from the budget's gate.
    /// </summary>
    public static DbContextOptionsBuilder UseBudgetedNpgsql(
        this DbContextOptionsBuilder optionsBuilder, BudgetedDataSource dataSource, Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return optionsBuilder
            .UseNpgsql(dataSource.NpgsqlDataSource, npgsqlOptions)
            .AddInterceptors(BudgetGateInterceptor.For(dataSource));
    }

    /// <inheritdoc cref="UseBudgetedNpgsql(DbContextOptionsBuilder, BudgetedDataSource, Action{NpgsqlDbContextOptionsBuilder}?)"/>
    public static DbContextOptionsBuilder<TContext> UseBudgetedNpgsql<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder, BudgetedDataSource dataSource, Action<NpgsqlDbContextOptionsBuilder>? npgsqlOptions = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseBudgetedNpgsql((DbContextOptionsBuilder)optionsBuilder, dataSource, npgsqlOptions);
}

using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests;

/// <summary>
/// Tests against the shared real PostgreSQL server. They run one after another: they count backends in
/// pg_stat_activity, and the machine is small.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresTests : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

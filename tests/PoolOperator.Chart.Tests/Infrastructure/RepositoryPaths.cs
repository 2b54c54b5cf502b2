using PoolOperator.Testing;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>Paths in the repository the chart tests read.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding PoolOperator.sln.</summary>
    public static string Root => RepositoryRoot.Path;

    /// <summary>charts/pool-operator.</summary>
    public static string Chart => RepositoryRoot.Of("charts", "pool-operator");

    /// <summary>A path below the root, from its segments.</summary>
    public static string Of(params string[] segments) => RepositoryRoot.Of(segments);
}

using PoolOperator.Testing;

namespace PoolOperator.Operator.Tests;

/// <summary>Paths in the repository checkout the tests run from.</summary>
internal static class RepoPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string Crds => RepositoryRoot.Crds;
}

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>Paths in the repository, found from the test assembly's location.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding PoolOperator.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>charts/pool-operator.</summary>
    public static string Chart => Path.Combine(Root, "charts", "pool-operator");

    /// <summary>A path below the root, from its segments.</summary>
    public static string Of(params string[] segments) => Path.Combine([Root, .. segments]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PoolOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No PoolOperator.sln above {AppContext.BaseDirectory}.");
    }
}

namespace PoolOperator.Api.Tests;

/// <summary>Finds files of the repository from the test's output folder, so tests read the real CRDs and examples.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static IEnumerable<string> Yaml(string folder) =>
        Directory.EnumerateFiles(PathOf(folder), "*.yaml", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PoolOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PoolOperator.sln not found above " + AppContext.BaseDirectory);
    }
}

namespace PoolOperator.Operator.Tests;

/// <summary>Paths in the repository checkout the tests run from.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "deploy", "crds");

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

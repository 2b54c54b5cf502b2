namespace PoolOperator.Testing;

/// <summary>
/// The checkout the tests (or the storm) run from: the folder holding PoolOperator.sln, found upwards
/// from the working folder or, failing that, from the assembly's output folder.
/// </summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The folder holding PoolOperator.sln.</summary>
    public static string Path => Root.Value;

    /// <summary>deploy/crds: the CRDs as a user installs them.</summary>
    public static string Crds => Of("deploy", "crds");

    /// <summary>examples/: budgets and the example application.</summary>
    public static string Examples => Of("examples");

    /// <summary>A path below the root, from its segments.</summary>
    public static string Of(params string[] segments) => System.IO.Path.Combine([Path, .. segments]);

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "PoolOperator.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"PoolOperator.sln not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}.");
    }
}

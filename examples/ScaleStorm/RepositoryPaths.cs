namespace PoolOperator.ScaleStorm;

/// <summary>Files of the repository the storm needs at run time (the CRDs), found from the working or output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string Crds => Path.Combine(Root, "deploy", "crds");

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PoolOperator.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the storm from inside the PoolOperator repository: deploy/crds is needed.");
    }
}

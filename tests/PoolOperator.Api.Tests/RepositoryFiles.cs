using PoolOperator.Testing;

namespace PoolOperator.Api.Tests;

/// <summary>Reads files of the repository, so tests check the real CRDs and examples.</summary>
internal static class RepositoryFiles
{
    public static string Root => RepositoryRoot.Path;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static IEnumerable<string> Yaml(string folder) =>
        Directory.EnumerateFiles(PathOf(folder), "*.yaml", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal);
}

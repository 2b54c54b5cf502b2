using PoolOperator.Testing;

namespace PoolOperator.ScaleStorm;

/// <summary>Files of the repository the storm needs at run time (the CRDs).</summary>
internal static class RepositoryPaths
{
    public static string Crds => RepositoryRoot.Crds;
}

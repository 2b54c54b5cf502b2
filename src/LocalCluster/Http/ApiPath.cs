using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Http;

/// <summary>
/// A resource URL taken apart: <c>/api/v1/namespaces/{ns}/pods/{name}/status</c>,
/// <c>/apis/{group}/{version}/{plural}</c> and the like.
/// </summary>
internal sealed record ApiPath(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// Parses the segments after <c>/api/v1</c> or <c>/apis/{group}/{version}</c>. Null when no served resource matches.
    /// </summary>
    public static ApiPath? Parse(ResourceRegistry registry, string group, string version, IReadOnlyList<string> rest)
    {
        if (rest.Count >= 3 && rest[0] == "namespaces"
            && registry.Find(group, version, rest[2]) is { Namespaced: true } namespacedType)
        {
            return rest.Count switch
            {
                3 => new ApiPath(namespacedType, rest[1], null, null),
                4 => new ApiPath(namespacedType, rest[1], rest[3], null),
                5 => new ApiPath(namespacedType, rest[1], rest[3], rest[4]),
                _ => null,
            };
        }

        if (rest.Count is 0 or > 3 || registry.Find(group, version, rest[0]) is not { } type)
        {
            return null;
        }

        return rest.Count switch
        {
            1 => new ApiPath(type, null, null, null),
            2 => new ApiPath(type, null, rest[1], null),
            _ => new ApiPath(type, null, rest[1], rest[2]),
        };
    }
}

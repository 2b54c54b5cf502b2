namespace PoolOperator.Operator.Controller;

/// <summary>
/// Orders resourceVersions. They are opaque to clients in general, but every API server this
/// operator talks to (etcd-backed, and the local cluster) issues increasing integers; when either
/// side is not an integer the order is unknown and the newer arrival wins.
/// </summary>
public static class ResourceVersions
{
    /// <summary>True when <paramref name="candidate"/> is known to be older than <paramref name="current"/>.</summary>
    public static bool IsOlder(string? candidate, string? current) =>
        ulong.TryParse(candidate, out var a) && ulong.TryParse(current, out var b) && a < b;
}

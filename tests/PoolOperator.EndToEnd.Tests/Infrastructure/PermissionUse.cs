using PoolOperator.LocalCluster.Security;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Compares what an identity called (the server's audit) with what its Roles grant: every refused call is a
/// missing permission, every granted permission no call used is an excess one.
/// </summary>
/// <param name="Refused">Resource requests answered 403.</param>
/// <param name="Unused">Granted permissions that no allowed request matched.</param>
/// <param name="Calls">Every distinct resource request (verb, resource, namespace), for the test output.</param>
internal sealed record PermissionUse(IReadOnlyList<AuditEntry> Refused, IReadOnlyList<Permission> Unused, IReadOnlyList<string> Calls)
{
    /// <summary>Matches the audit entries of one identity against its permissions.</summary>
    public static PermissionUse Compare(IReadOnlyList<AuditEntry> entries, IReadOnlyList<Permission> granted)
    {
        var resourceCalls = entries.Where(e => e.IsResourceRequest).ToList();
        var refused = resourceCalls.Where(e => e.Code == 403).ToList();
        var allowed = resourceCalls.Where(e => e.Code != 403).ToList();
        var unused = granted
            .Where(p => !allowed.Any(e => p.Allows(e.ApiGroup, e.CombinedResource, e.Verb, e.Namespace, e.Name)))
            .ToList();
        var calls = resourceCalls
            .Select(e => $"{e.Verb} {(e.ApiGroup.Length == 0 ? "core" : e.ApiGroup)}/{e.CombinedResource}{(e.Name.Length == 0 ? "" : " " + e.Name)}"
                         + $" in {(e.Namespace.Length == 0 ? "(cluster)" : e.Namespace)} -> {e.Code}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new PermissionUse(refused, unused, calls);
    }

    /// <summary>A report of the comparison for assertion messages.</summary>
    public string Describe(string identity) =>
        $"{identity}\n  refused (missing permissions): [{string.Join("; ", Refused.Select(e => $"{e.Verb} {e.CombinedResource} {e.Namespace}/{e.Name}"))}]"
        + $"\n  granted but never used (excess): [{string.Join("; ", Unused)}]"
        + $"\n  calls:\n    {string.Join("\n    ", Calls)}";
}

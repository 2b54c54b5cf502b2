using k8s;
using k8s.Models;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One permission a Role or ClusterRole grants: a verb on a resource (with subresource) of an API group, in one
/// namespace (a Role's) or all (a ClusterRole bound cluster-wide), on every object or one named object.
/// </summary>
internal sealed record Permission(string Group, string Resource, string Verb, string Namespace, string ResourceName, string GrantedBy)
{
    /// <summary>Whether a request with these attributes is allowed by this permission.</summary>
    public bool Allows(string group, string resource, string verb, string ns, string name) =>
        Group == group && Resource == resource && Verb == verb
        && (Namespace.Length == 0 || Namespace == ns)
        && (ResourceName.Length == 0 || ResourceName == name);

    public override string ToString() =>
        $"{(Group.Length == 0 ? "core" : Group)}/{Resource}{(ResourceName.Length == 0 ? "" : "/" + ResourceName)}:{Verb} in {(Namespace.Length == 0 ? "all namespaces" : Namespace)} ({GrantedBy})";
}

/// <summary>
/// What the RBAC objects stored in the cluster grant one service account through bindings that name it: read
/// back from the server after the install, so it is what the chart and the examples really created there,
/// not what a test expects them to hold.
/// </summary>
internal static class GrantedPermissions
{
    /// <summary>The permissions bound to ServiceAccount <paramref name="ns"/>/<paramref name="name"/>.</summary>
    public static async Task<IReadOnlyList<Permission>> OfServiceAccountAsync(IKubernetes admin, string ns, string name)
    {
        bool Names(IEnumerable<Rbacv1Subject>? subjects) =>
            subjects?.Any(s => s.Kind == "ServiceAccount" && s.Name == name && s.NamespaceProperty == ns) == true;

        var permissions = new List<Permission>();
        var clusterRoles = (await admin.RbacAuthorizationV1.ListClusterRoleAsync()).Items.ToDictionary(r => r.Metadata.Name, StringComparer.Ordinal);
        foreach (var binding in (await admin.RbacAuthorizationV1.ListClusterRoleBindingAsync()).Items.Where(b => Names(b.Subjects)))
        {
            var role = clusterRoles[binding.RoleRef.Name];
            permissions.AddRange(Expand(role.Rules, "", $"ClusterRole {role.Metadata.Name}"));
        }

        foreach (var binding in (await admin.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync()).Items.Where(b => Names(b.Subjects)))
        {
            var bindingNamespace = binding.Metadata.NamespaceProperty;
            var rules = binding.RoleRef.Kind == "ClusterRole"
                ? clusterRoles[binding.RoleRef.Name].Rules
                : (await admin.RbacAuthorizationV1.ReadNamespacedRoleAsync(binding.RoleRef.Name, bindingNamespace)).Rules;
            permissions.AddRange(Expand(rules, bindingNamespace, $"{binding.RoleRef.Kind} {bindingNamespace}/{binding.RoleRef.Name}"));
        }

        return permissions;
    }

    private static IEnumerable<Permission> Expand(IEnumerable<V1PolicyRule>? rules, string ns, string grantedBy) =>
        from rule in rules ?? []
        from grantedGroup in rule.ApiGroups ?? []
        from resource in rule.Resources ?? []
        from verb in rule.Verbs ?? []
        from resourceName in rule.ResourceNames is { Count: > 0 } names ? names : [""]
        select new Permission(grantedGroup, resource, verb, ns, resourceName, grantedBy);
}

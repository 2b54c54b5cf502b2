using k8s.Models;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>One permission: a verb on a resource of an API group, on every object or (ResourceName) on one.</summary>
internal readonly record struct Permission(string Group, string Resource, string Verb, string ResourceName = "")
{
    public override string ToString() => $"{(Group.Length == 0 ? "core" : Group)}/{Resource}{(ResourceName.Length == 0 ? "" : "/" + ResourceName)}:{Verb}";
}

/// <summary>Flattens RBAC rules into single permissions, so rule sets compare exactly.</summary>
internal static class RbacRules
{
    /// <summary>
    /// What the operator calls in the namespaces it watches (the agreed contract, docs/install.md): it works from
    /// watches and writes with patches, so no get and no update. Secrets are granted separately, by name.
    /// </summary>
    public static readonly IReadOnlySet<Permission> OperatorWatch = Expand(
        ("pooloperator.io", "databasebudgets", "list,watch"),
        ("pooloperator.io", "databasebudgets/status", "patch"),
        ("pooloperator.io", "connectiongrants", "list,watch,create,patch,delete"),
        ("", "pods", "list,watch"),
        ("apps", "deployments", "list,watch"),
        ("apps", "statefulsets", "list,watch"),
        ("autoscaling", "horizontalpodautoscalers", "list,watch"),
        ("events.k8s.io", "events", "create,patch"));

    /// <summary>What the in-app agent calls in its namespace: list and watch its grant, patch its status.</summary>
    public static readonly IReadOnlySet<Permission> Agent = Expand(
        ("pooloperator.io", "connectiongrants", "list,watch"),
        ("pooloperator.io", "connectiongrants/status", "patch"));

    /// <summary>What leader election calls in the lease's namespace: get and update the named Lease, create any.</summary>
    public static IReadOnlySet<Permission> LeaderElection(string leaseName = "pool-operator") => new HashSet<Permission>
    {
        new("coordination.k8s.io", "leases", "get", leaseName),
        new("coordination.k8s.io", "leases", "update", leaseName),
        new("coordination.k8s.io", "leases", "create"),
    };

    /// <summary>Every permission the rules grant (one per resource name when they name objects); fails on wildcards and non-resource URLs.</summary>
    public static HashSet<Permission> Flatten(IEnumerable<V1PolicyRule> rules)
    {
        var permissions = new HashSet<Permission>();
        foreach (var rule in rules)
        {
            Assert.Null(rule.NonResourceURLs);
            IList<string> names = rule.ResourceNames is { Count: > 0 } named ? named : [""];
            foreach (var value in rule.ApiGroups.Concat(rule.Resources).Concat(rule.Verbs))
            {
                Assert.DoesNotContain("*", value, StringComparison.Ordinal);
            }

            foreach (var group in rule.ApiGroups)
            {
                foreach (var resource in rule.Resources)
                {
                    foreach (var verb in rule.Verbs)
                    {
                        foreach (var name in names)
                        {
                            var permission = new Permission(group, resource, verb, name);
                            Assert.True(permissions.Add(permission), $"{permission} is granted twice");
                        }
                    }
                }
            }
        }

        return permissions;
    }

    /// <summary>Asserts two permission sets are equal, listing what is missing and what is extra.</summary>
    public static void AssertExactly(IReadOnlySet<Permission> expected, IReadOnlySet<Permission> actual, string what)
    {
        var missing = expected.Except(actual).Select(p => p.ToString()).Order().ToList();
        var extra = actual.Except(expected).Select(p => p.ToString()).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"{what}: missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
    }

    private static HashSet<Permission> Expand(params (string Group, string Resource, string Verbs)[] entries) =>
        entries.SelectMany(e => e.Verbs.Split(',').Select(v => new Permission(e.Group, e.Resource, v))).ToHashSet();
}

using k8s.Models;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>One permission: a verb on a resource of an API group.</summary>
internal readonly record struct Permission(string Group, string Resource, string Verb)
{
    public override string ToString() => $"{(Group.Length == 0 ? "core" : Group)}/{Resource}:{Verb}";
}

/// <summary>Flattens RBAC rules into single permissions, so rule sets compare exactly.</summary>
internal static class RbacRules
{
    /// <summary>What the operator calls in the namespaces it watches (the agreed contract).</summary>
    public static readonly IReadOnlySet<Permission> OperatorWatch = Expand(
        ("pooloperator.io", "databasebudgets", "get,list,watch"),
        ("pooloperator.io", "databasebudgets/status", "get,patch,update"),
        ("pooloperator.io", "connectiongrants", "get,list,watch,create,update,patch,delete"),
        ("", "pods", "get,list,watch"),
        ("", "secrets", "get"),
        ("apps", "deployments", "get,list,watch"),
        ("apps", "statefulsets", "get,list,watch"),
        ("autoscaling", "horizontalpodautoscalers", "get,list,watch"),
        ("events.k8s.io", "events", "create,patch"));

    /// <summary>What leader election calls in the lease's namespace.</summary>
    public static readonly IReadOnlySet<Permission> LeaderElection = Expand(("coordination.k8s.io", "leases", "get,create,update"));

    /// <summary>What the in-app agent calls in its namespace.</summary>
    public static readonly IReadOnlySet<Permission> Agent = Expand(
        ("pooloperator.io", "connectiongrants", "get,list,watch"),
        ("pooloperator.io", "connectiongrants/status", "get,update,patch"));

    /// <summary>Every permission the rules grant; fails on wildcards, resourceNames and non-resource URLs.</summary>
    public static HashSet<Permission> Flatten(IEnumerable<V1PolicyRule> rules)
    {
        var permissions = new HashSet<Permission>();
        foreach (var rule in rules)
        {
            Assert.Null(rule.NonResourceURLs);
            Assert.Null(rule.ResourceNames);
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
                        Assert.True(permissions.Add(new Permission(group, resource, verb)), $"{new Permission(group, resource, verb)} is granted twice");
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

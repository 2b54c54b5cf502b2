using System.Text.Json.Nodes;

namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// The bootstrap ClusterRoles and ClusterRoleBindings every real cluster starts with that matter here:
/// <c>cluster-admin</c> (bound to <c>system:masters</c>), <c>system:discovery</c> and <c>system:basic-user</c>
/// (bound to <c>system:authenticated</c>) and <c>system:public-info-viewer</c> (bound to everyone). They are stored
/// objects, listed and evaluated like any other. The aggregated admin/edit/view roles are not created.
/// </summary>
internal static class BootstrapRbac
{
    public static IEnumerable<(string Plural, JsonObject Object)> Objects()
    {
        yield return ("clusterroles", Role("cluster-admin",
            Rule(["*"], apiGroups: ["*"], resources: ["*"]),
            Rule(["*"], nonResourceUrls: ["*"])));
        yield return ("clusterroles", Role("system:discovery",
            Rule(["get"], nonResourceUrls: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])));
        yield return ("clusterroles", Role("system:public-info-viewer",
            Rule(["get"], nonResourceUrls: ["/healthz", "/livez", "/readyz", "/version", "/version/"])));
        yield return ("clusterroles", Role("system:basic-user",
            Rule(["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            Rule(["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"])));
        yield return ("clusterrolebindings", Binding("cluster-admin", "cluster-admin", UserInfo.Masters));
        yield return ("clusterrolebindings", Binding("system:discovery", "system:discovery", UserInfo.Authenticated));
        yield return ("clusterrolebindings", Binding("system:basic-user", "system:basic-user", UserInfo.Authenticated));
        yield return ("clusterrolebindings", Binding("system:public-info-viewer", "system:public-info-viewer", UserInfo.Authenticated, "system:unauthenticated"));
    }

    private static JsonObject Meta(string name) => new()
    {
        ["name"] = name,
        ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
    };

    private static JsonObject Role(string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRole",
        ["metadata"] = Meta(name),
        ["rules"] = new JsonArray(rules.Select(r => (JsonNode)r).ToArray()),
    };

    private static JsonObject Rule(string[] verbs, string[]? apiGroups = null, string[]? resources = null, string[]? nonResourceUrls = null)
    {
        var rule = new JsonObject { ["verbs"] = Array(verbs) };
        if (apiGroups is not null)
        {
            rule["apiGroups"] = Array(apiGroups);
        }

        if (resources is not null)
        {
            rule["resources"] = Array(resources);
        }

        if (nonResourceUrls is not null)
        {
            rule["nonResourceURLs"] = Array(nonResourceUrls);
        }

        return rule;
    }

    private static JsonObject Binding(string name, string role, params string[] groups) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = Meta(name),
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray(groups.Select(g => (JsonNode)new JsonObject
        {
            ["apiGroup"] = "rbac.authorization.k8s.io",
            ["kind"] = "Group",
            ["name"] = g,
        }).ToArray()),
    };

    private static JsonArray Array(string[] values) => new(values.Select(v => (JsonNode)v).ToArray());
}

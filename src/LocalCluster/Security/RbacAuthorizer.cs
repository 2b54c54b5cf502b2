using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// RBAC as the real authorizer evaluates it: the rules of every Role and ClusterRole bound to the user (by a
/// ClusterRoleBinding, or a RoleBinding in the request's namespace) are tried in turn; the first that covers the
/// verb, API group, resource (with subresource) and name allows the request. Members of <c>system:masters</c> are
/// allowed everything before RBAC is asked, as the real server's superuser group is. A binding whose role is
/// missing contributes the error the real server puts in the denial's reason.
/// </summary>
internal sealed class RbacAuthorizer
{
    private const string Group = "rbac.authorization.k8s.io/";

    private readonly ObjectStore _store;

    public RbacAuthorizer(ObjectStore store) => _store = store;

    /// <summary>Whether the request is allowed, and when not, the reason the real server appends (or empty).</summary>
    public (bool Allowed, string Reason) Authorize(RequestAttributes request)
    {
        if (request.User.InGroup(UserInfo.Masters))
        {
            return (true, "");
        }

        var errors = new List<string>();
        lock (_store.Gate)
        {
            foreach (var binding in _store.List(Group + "clusterrolebindings"))
            {
                if (AppliesTo(binding, request.User, bindingNamespace: "")
                    && RulesAllow(RoleRules(binding, bindingNamespace: "", errors), request))
                {
                    return (true, "");
                }
            }

            if (request.Namespace.Length > 0)
            {
                foreach (var binding in _store.List(Group + "rolebindings", request.Namespace))
                {
                    if (AppliesTo(binding, request.User, request.Namespace)
                        && RulesAllow(RoleRules(binding, request.Namespace, errors), request))
                    {
                        return (true, "");
                    }
                }
            }
        }

        var reason = errors.Count switch
        {
            0 => "",
            1 => "RBAC: " + errors[0],
            _ => "RBAC: [" + string.Join(", ", errors) + "]",
        };
        return (false, reason);
    }

    private static bool AppliesTo(JsonObject binding, UserInfo user, string bindingNamespace)
    {
        foreach (var node in binding["subjects"] as JsonArray ?? [])
        {
            if (node is not JsonObject subject)
            {
                continue;
            }

            var name = subject.GetString("name") ?? "";
            var applies = subject.GetString("kind") switch
            {
                "User" => user.Name == name,
                "Group" => user.InGroup(name),
                "ServiceAccount" => user.Name == UserInfo.ServiceAccountUserName(
                    subject.GetString("namespace") is { Length: > 0 } ns ? ns : bindingNamespace, name),
                _ => false,
            };
            if (applies)
            {
                return true;
            }
        }

        return false;
    }

    private JsonArray? RoleRules(JsonObject binding, string bindingNamespace, List<string> errors)
    {
        var roleRef = binding["roleRef"] as JsonObject;
        var kind = roleRef.GetString("kind");
        var name = roleRef.GetString("name") ?? "";
        var role = kind switch
        {
            "ClusterRole" => _store.Get(Group + "clusterroles", null, name),
            "Role" when bindingNamespace.Length > 0 => _store.Get(Group + "roles", bindingNamespace, name),
            _ => null,
        };
        if (role is null)
        {
            errors.Add($"{(kind ?? "role").ToLowerInvariant()}.rbac.authorization.k8s.io \"{name}\" not found");
            return null;
        }

        return role["rules"] as JsonArray;
    }

    private static bool RulesAllow(JsonArray? rules, RequestAttributes request) =>
        rules is not null && rules.OfType<JsonObject>().Any(rule => PolicyRules.Allows(rule, request));
}

/// <summary>One PolicyRule against a request, as <c>rbac.RuleAllows</c> matches it (wildcards, <c>*/subresource</c>, resourceNames, nonResourceURLs).</summary>
internal static class PolicyRules
{
    public static bool Allows(JsonObject rule, RequestAttributes request)
    {
        if (!Contains(rule["verbs"], request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return Strings(rule["nonResourceURLs"]).Any(url =>
                url == "*" || url == request.Path || (url.EndsWith('*') && request.Path.StartsWith(url[..^1], StringComparison.Ordinal)));
        }

        return Contains(rule["apiGroups"], request.ApiGroup)
            && ResourceMatches(Strings(rule["resources"]), request)
            && NameMatches(Strings(rule["resourceNames"]).ToList(), request.Name);
    }

    private static bool ResourceMatches(IEnumerable<string> resources, RequestAttributes request)
    {
        foreach (var resource in resources)
        {
            if (resource == "*" || resource == request.CombinedResource)
            {
                return true;
            }

            if (request.Subresource.Length > 0 && resource == "*/" + request.Subresource)
            {
                return true;
            }
        }

        return false;
    }

    private static bool NameMatches(List<string> names, string name) => names.Count == 0 || (name.Length > 0 && names.Contains(name));

    private static bool Contains(JsonNode? values, string value) => Strings(values).Any(v => v == "*" || v == value);

    private static IEnumerable<string> Strings(JsonNode? values) =>
        (values as JsonArray ?? []).Select(v => v is JsonValue s && s.TryGetValue<string>(out var text) ? text : null).OfType<string>();
}

using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Discovery;

/// <summary>
/// Discovery as clients read it: <c>/version</c>, <c>/api</c>, <c>/apis</c>, <c>/apis/{group}</c>,
/// <c>/apis/{group}/{version}</c>, and the aggregated <c>apidiscovery.k8s.io/v2</c> form kubectl asks for first.
/// </summary>
internal sealed class DiscoveryDocuments
{
    /// <summary>The content type of aggregated discovery answers.</summary>
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private static readonly string[] ObjectVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];
    private readonly ResourceRegistry _registry;

    public DiscoveryDocuments(ResourceRegistry registry) => _registry = registry;

    /// <summary>Whether an Accept header prefers aggregated discovery.</summary>
    public static bool WantsAggregated(string? accept) =>
        accept is not null && accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) && accept.Contains("v=v2;", StringComparison.Ordinal);

    /// <summary>The version the server reports.</summary>
    public const string GitVersion = "v1.35.0-poolop.local";

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "35",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.25",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    /// <summary>GET /api; <paramref name="serverAddress"/> is host:port as the client reached the server.</summary>
    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary>GET /apis.</summary>
    public JsonObject Groups()
    {
        var groups = new JsonArray();
        foreach (var (group, versions) in _registry.GroupVersions().Where(g => g.Group.Length > 0))
        {
            groups.Add(Group(group, versions));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>GET /apis/{group}, or null when the group is not served.</summary>
    public JsonObject? GroupDocument(string group)
    {
        var match = _registry.GroupVersions().FirstOrDefault(g => g.Group == group);
        if (match.Group is null)
        {
            return null;
        }

        var document = Group(group, match.Versions);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    /// <summary>GET /api/v1 or /apis/{group}/{version}: the APIResourceList.</summary>
    public JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in _registry.All.Where(t => t.Group == group && t.Version == version))
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(ObjectVerbs),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(type.ShortNames);
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = Strings(type.Categories);
            }

            resources.Add(entry);
            if (type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status", ["singularName"] = "", ["namespaced"] = type.Namespaced, ["kind"] = type.Kind, ["verbs"] = Strings(SubresourceVerbs),
                });
            }

            if (type.Scale is not null)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/scale", ["singularName"] = "", ["namespaced"] = type.Namespaced, ["group"] = "autoscaling", ["version"] = "v1",
                    ["kind"] = "Scale", ["verbs"] = Strings(SubresourceVerbs),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    /// <summary>Aggregated discovery of the core group (<paramref name="core"/>) or of every named group.</summary>
    public JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        foreach (var (group, versions) in _registry.GroupVersions().Where(g => (g.Group.Length == 0) == core))
        {
            var versionEntries = new JsonArray();
            foreach (var version in versions)
            {
                var resources = new JsonArray();
                foreach (var type in _registry.All.Where(t => t.Group == group && t.Version == version))
                {
                    resources.Add(AggregatedResource(type));
                }

                versionEntries.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            var metadata = new JsonObject { ["creationTimestamp"] = null };
            if (group.Length > 0)
            {
                metadata["name"] = group;
            }

            items.Add(new JsonObject { ["metadata"] = metadata, ["versions"] = versionEntries });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject AggregatedResource(ResourceType type)
    {
        var entry = new JsonObject
        {
            ["resource"] = type.Plural,
            ["responseKind"] = Gvk(type.Group, type.Version, type.Kind),
            ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = type.Singular,
            ["verbs"] = Strings(ObjectVerbs),
        };
        if (type.ShortNames.Count > 0)
        {
            entry["shortNames"] = Strings(type.ShortNames);
        }

        if (type.Categories.Count > 0)
        {
            entry["categories"] = Strings(type.Categories);
        }

        var subresources = new JsonArray();
        if (type.HasStatusSubresource)
        {
            subresources.Add(new JsonObject { ["subresource"] = "status", ["responseKind"] = Gvk(type.Group, type.Version, type.Kind), ["verbs"] = Strings(SubresourceVerbs) });
        }

        if (type.Scale is not null)
        {
            subresources.Add(new JsonObject { ["subresource"] = "scale", ["responseKind"] = Gvk("autoscaling", "v1", "Scale"), ["verbs"] = Strings(SubresourceVerbs) });
        }

        if (subresources.Count > 0)
        {
            entry["subresources"] = subresources;
        }

        return entry;
    }

    private static JsonObject Group(string group, IReadOnlyList<string> versions)
    {
        var versionList = new JsonArray();
        foreach (var version in versions)
        {
            versionList.Add(new JsonObject { ["groupVersion"] = group + "/" + version, ["version"] = version });
        }

        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = versionList,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = group + "/" + versions[0], ["version"] = versions[0] },
        };
    }

    private static JsonObject Gvk(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v).ToArray());
}

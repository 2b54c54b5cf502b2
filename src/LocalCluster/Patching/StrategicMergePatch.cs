using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Patching;

/// <summary>
/// The subset of Kubernetes strategic merge patch that the built-in kinds here need. Objects merge as in a
/// JSON merge patch; lists with a known merge key merge item by item (containers, initContainers, volumes,
/// env, imagePullSecrets by <c>name</c>; volumeMounts by <c>mountPath</c>; ports by <c>containerPort</c> or
/// <c>port</c>; conditions by <c>type</c>; ownerReferences by <c>uid</c>); <c>finalizers</c> merge as a set;
/// every other list is replaced. Directives: <c>$patch: replace|delete|merge</c>,
/// <c>$deleteFromPrimitiveList/&lt;field&gt;</c>; <c>$setElementOrder/&lt;field&gt;</c> and <c>$retainKeys</c> are accepted and ignored.
/// </summary>
internal static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["imagePullSecrets"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["volumeDevices"] = "devicePath",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
    };

    private static readonly HashSet<string> PrimitiveSets = ["finalizers"];

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (JsonNodes.ScalarText(patchObject["$patch"]) == "replace")
        {
            var replacement = patchObject.CloneObject();
            replacement.Remove("$patch");
            return replacement;
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (name.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = name["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray removals)
                {
                    var remove = removals.Select(r => r?.ToJsonString()).ToHashSet(StringComparer.Ordinal);
                    result[field] = new JsonArray(list.Where(i => !remove.Contains(i?.ToJsonString())).Select(i => i?.DeepClone()).ToArray());
                }

                continue;
            }

            if (name.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(name);
                continue;
            }

            var existing = result[name];
            var merged = value switch
            {
                JsonArray patchList when existing is JsonArray current && MergeKeys.TryGetValue(name, out var key) => MergeList(current, patchList, KeyFor(name, key, patchList, current)),
                JsonArray patchList when existing is JsonArray current && PrimitiveSets.Contains(name) => Union(current, patchList),
                JsonArray patchList => Strip(patchList),
                _ => Apply(existing, value),
            };
            if (!ReferenceEquals(merged, existing))
            {
                result[name] = merged;
            }
        }

        return result;
    }

    private static string KeyFor(string field, string key, JsonArray patch, JsonArray current)
    {
        if (field != "ports")
        {
            return key;
        }

        return patch.Concat(current).Any(i => i?["containerPort"] is not null) ? "containerPort" : "port";
    }

    private static JsonArray MergeList(JsonArray current, JsonArray patch, string key)
    {
        var result = new JsonArray(current.Select(i => i?.DeepClone()).ToArray());
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[key] is null)
            {
                result.Add(item?.DeepClone());
                continue;
            }

            var index = IndexOf(result, key, patchItem[key]);
            var directive = JsonNodes.ScalarText(patchItem["$patch"]);
            if (directive == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                var merged = Apply(result[index]!.DeepClone(), patchItem);
                result[index] = merged;
            }
            else
            {
                result.Add(Apply(new JsonObject(), patchItem));
            }
        }

        return result;
    }

    private static int IndexOf(JsonArray list, string key, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (JsonNode.DeepEquals(list[i]?[key], value))
            {
                return i;
            }
        }

        return -1;
    }

    private static JsonArray Union(JsonArray current, JsonArray patch)
    {
        var result = new JsonArray(current.Select(i => i?.DeepClone()).ToArray());
        var seen = current.Select(i => i?.ToJsonString()).ToHashSet(StringComparer.Ordinal);
        foreach (var item in patch.Where(i => seen.Add(i?.ToJsonString())))
        {
            result.Add(item?.DeepClone());
        }

        return result;
    }

    private static JsonArray Strip(JsonArray list) =>
        new(list.Select(i => i is JsonObject o ? Apply(new JsonObject(), o) : i?.DeepClone()).ToArray());
}

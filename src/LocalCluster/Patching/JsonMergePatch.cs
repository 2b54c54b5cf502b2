using System.Text.Json.Nodes;

namespace PoolOperator.LocalCluster.Patching;

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var existing = result[name];
                var merged = Apply(existing, value);
                if (!ReferenceEquals(merged, existing))
                {
                    // Replaced in place, so the object keeps its property order.
                    result[name] = merged;
                }
            }
        }

        return result;
    }
}

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// Unknown and mistyped fields of built-in kinds, found by decoding the object into KubernetesClient's typed
/// model and encoding it again, as the real server decodes into its Go types: a field the model does not
/// have does not survive. Under <c>fieldValidation=Strict</c> unknown fields are a 400; otherwise they are
/// dropped (with a warning under Warn). A value the model cannot decode is a 400 in every mode.
/// </summary>
internal static class BuiltInFields
{
    private static readonly Dictionary<(string Group, string Version, string Kind), Type> Models = typeof(V1Pod).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(p => p.Entity is not null && !p.Entity.Kind.EndsWith("List", StringComparison.Ordinal))
        .GroupBy(p => (p.Entity!.Group ?? "", p.Entity.ApiVersion, p.Entity.Kind))
        .ToDictionary(g => g.Key, g => g.First().Type);

    private static readonly MethodInfo Deserialize = typeof(KubernetesJson).GetMethods()
        .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(string));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, MethodInfo> Deserializers = new();

    public static void Check(ResourceType type, JsonObject obj, WriteContext context)
    {
        if (!Models.TryGetValue((type.Group, type.Version, type.Kind), out var model))
        {
            return;
        }

        JsonNode? roundTrip;
        try
        {
            var typed = Deserializers.GetOrAdd(model, static m => Deserialize.MakeGenericMethod(m)).Invoke(null, [obj.ToJsonString(), null]);
            roundTrip = JsonNode.Parse(KubernetesJson.Serialize(typed!));
        }
        catch (TargetInvocationException ex) when (ex.InnerException is JsonException or FormatException or InvalidOperationException)
        {
            throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {ex.InnerException.Message}");
        }

        var unknown = new List<string>();
        foreach (var (name, value) in obj.ToList())
        {
            if (name is not ("metadata" or "apiVersion" or "kind"))
            {
                Compare(obj, name, value, roundTrip?[name], name, unknown);
            }
        }

        if (unknown.Count == 0)
        {
            return;
        }

        if (context.Strict)
        {
            throw ApiException.BadRequest(
                $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: "
                + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
        }

        if (!string.Equals(context.FieldValidation, "Ignore", StringComparison.OrdinalIgnoreCase))
        {
            context.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
        }
    }

    /// <summary>Walks the submitted value beside its round trip; drops and records what did not survive.</summary>
    private static void Compare(JsonNode parent, string name, JsonNode? submitted, JsonNode? survived, string path, List<string> unknown)
    {
        if (submitted is null)
        {
            return;
        }

        if (survived is null)
        {
            unknown.Add(path);
            if (parent is JsonObject parentObject)
            {
                parentObject.Remove(name);
            }

            return;
        }

        switch (submitted)
        {
            case JsonObject obj when survived is JsonObject kept:
                foreach (var (key, value) in obj.ToList())
                {
                    Compare(obj, key, value, kept[key], path + "." + key, unknown);
                }

                break;
            case JsonArray array when survived is JsonArray keptArray && keptArray.Count == array.Count:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject item && keptArray[i] is JsonObject keptItem)
                    {
                        foreach (var (key, value) in item.ToList())
                        {
                            Compare(item, key, value, keptItem[key], $"{path}[{i}].{key}", unknown);
                        }
                    }
                }

                break;
        }
    }
}

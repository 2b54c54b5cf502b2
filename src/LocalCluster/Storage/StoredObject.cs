using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Storage;

/// <summary>
/// One stored version of an object, kept compact: the object as UTF-8 JSON (an 8 KB pod is 8 KB
/// here; as a <see cref="JsonObject"/> tree it weighs several times that), what label and field
/// selectors read of it (<see cref="View"/>, also UTF-8), and the few metadata values the store
/// indexes by. Immutable: a watch can send it, and a list can copy its bytes, long after it was replaced.
/// </summary>
internal sealed class StoredObject
{
    private StoredObject(JsonObject obj, byte[] json)
    {
        Json = json;
        View = JsonNodes.ToUtf8(FilterView(obj));
        var meta = obj.Metadata();
        Namespace = meta.GetString("namespace");
        Name = meta.GetString("name") ?? "";
        Uid = meta.GetString("uid");
        ResourceVersion = meta.GetString("resourceVersion");
        ApiVersion = obj.GetString("apiVersion");
        Kind = obj.GetString("kind");
        Deleting = meta["deletionTimestamp"] is not null;
        OwnerUids = meta["ownerReferences"] is JsonArray refs
            ? refs.Select(r => (r as JsonObject).GetString("uid")).OfType<string>().Distinct(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>The whole object as stored.</summary>
    public byte[] Json { get; }

    /// <summary>What selectors can read of the object (see <see cref="FilterView"/>), as UTF-8 JSON.</summary>
    public byte[] View { get; }

    public string? Namespace { get; }

    public string Name { get; }

    public string? Uid { get; }

    public string? ResourceVersion { get; }

    public string? ApiVersion { get; }

    public string? Kind { get; }

    /// <summary>Whether metadata.deletionTimestamp is set.</summary>
    public bool Deleting { get; }

    /// <summary>The uids its ownerReferences name.</summary>
    public IReadOnlyList<string> OwnerUids { get; }

    /// <summary>The store's key of the object: namespace/name (also the order of lists and continue tokens).</summary>
    public string Key => StoreKey(Namespace, Name);

    /// <summary>Serializes <paramref name="obj"/> once and indexes it; the caller must not change it afterwards.</summary>
    public static StoredObject From(JsonObject obj) => new(obj, JsonNodes.ToUtf8(obj));

    /// <summary>The same object carrying another resourceVersion (a DELETED change's final state).</summary>
    public StoredObject WithResourceVersion(long resourceVersion)
    {
        var copy = Parse();
        copy.Metadata()["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        return From(copy);
    }

    /// <summary>A private, mutable tree of the object.</summary>
    public JsonObject Parse() => JsonNode.Parse(Json)!.AsObject();

    public static string StoreKey(string? ns, string name) => (ns ?? "") + "/" + name;

    /// <summary>
    /// What label and field selectors can read of an object: metadata without annotations and
    /// managedFields, top-level values, and of nested objects (spec, status, involvedObject,
    /// regarding, ...) their plain values only (spec.nodeName, status.phase, involvedObject.name).
    /// </summary>
    private static JsonObject FilterView(JsonObject obj)
    {
        var view = new JsonObject();
        foreach (var (name, value) in obj)
        {
            switch (value)
            {
                case JsonObject metadata when name == "metadata":
                    var meta = new JsonObject();
                    foreach (var (field, item) in metadata)
                    {
                        if (field is not ("annotations" or "managedFields"))
                        {
                            meta[field] = item?.DeepClone();
                        }
                    }

                    view[name] = meta;
                    break;
                case JsonObject nested:
                    var plain = new JsonObject();
                    foreach (var (field, item) in nested)
                    {
                        if (item is JsonValue)
                        {
                            plain[field] = item.DeepClone();
                        }
                    }

                    view[name] = plain;
                    break;
                case JsonArray:
                    break;
                default:
                    view[name] = value?.DeepClone();
                    break;
            }
        }

        return view;
    }
}

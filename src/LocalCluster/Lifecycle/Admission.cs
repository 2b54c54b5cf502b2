using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.CustomResources;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// What happens to an object between the request and storage: metadata checks, built-in defaults,
/// CRD validation, custom resource schema and CEL rules; and the follow-ups of a stored or removed CRD.
/// </summary>
internal sealed class Admission
{
    private static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private readonly CrdController _crds;
    private readonly EventMirror _events;

    public Admission(CrdController crds, EventMirror events)
    {
        _crds = crds;
        _events = events;
    }

    /// <summary>Defaults and validates an object about to be stored (create or update); throws the API error when it is refused.</summary>
#pragma warning disable CA1822 // An instance member like its siblings: admission is one object the writer holds.
    public void Admit(ResourceType type, JsonObject obj, JsonObject? old, WriteContext context)
#pragma warning restore CA1822
    {
        CheckMetadata(type, obj, context);
        if (MetadataRules.Validate(obj.Metadata()) is { Count: > 0 } metadataErrors)
        {
            throw ApiException.Invalid(type.Group, type.Kind, obj.Name(), metadataErrors);
        }

        MicroTimeFields.Check(type, obj);
        if (CrdController.IsCrd(type))
        {
            BuiltInFields.Check(type, obj, context);
            CrdController.Admit(obj);
        }
        else if (type.IsCustom)
        {
            type.Schema?.Admit(obj, old, context, type.Group, type.Kind);
        }
        else
        {
            BuiltInFields.Check(type, obj, context);
            BuiltInDefaults.Apply(type, obj, old);
        }
    }

    /// <summary>Follow-up of a stored object (a CRD becomes served; an events.k8s.io Event shows as a core Event).</summary>
    public void AfterCommit(ResourceType type, JsonObject stored)
    {
        if (CrdController.IsCrd(type) && stored.Metadata()["deletionTimestamp"] is null)
        {
            _crds.Established(stored);
        }
        else if (EventMirror.IsEventsV1(type))
        {
            _events.Stored(stored);
        }
    }

    /// <summary>Follow-up of a removed object (a CRD's resources and objects go).</summary>
    public void AfterRemove(ResourceType type, JsonObject removed)
    {
        if (CrdController.IsCrd(type))
        {
            _crds.Removed(removed);
        }
        else if (EventMirror.IsEventsV1(type))
        {
            _events.Removed(removed);
        }
    }

    private static void CheckMetadata(ResourceType type, JsonObject obj, WriteContext context)
    {
        var meta = obj.Metadata();
        var unknown = meta.Select(p => p.Key).Where(k => !ObjectMetaFields.Contains(k)).ToList();
        foreach (var field in unknown)
        {
            meta.Remove(field);
        }

        if (unknown.Count > 0 && context.Strict)
        {
            throw ApiException.BadRequest(
                $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: "
                + string.Join(", ", unknown.Select(u => $"unknown field \"metadata.{u}\"")));
        }

        context.Warnings.AddRange(unknown.Select(u => $"unknown field \"metadata.{u}\""));
        foreach (var map in new[] { "labels", "annotations" })
        {
            if (meta[map] is JsonObject values && values.Any(p => p.Value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String))
            {
                throw ApiException.BadRequest($"metadata.{map}: values must be strings");
            }
        }
    }
}

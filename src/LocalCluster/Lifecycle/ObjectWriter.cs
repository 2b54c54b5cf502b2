using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Patching;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// Create, update and patch with the real server's semantics: server-owned metadata, optimistic
/// concurrency on resourceVersion, the status subresource split, generation bumped on spec changes
/// only, and no write (no new resourceVersion, no event) when nothing changed.
/// </summary>
internal sealed class ObjectWriter
{
    private readonly ObjectStore _store;
    private readonly Admission _admission;
    private readonly ObjectDeleter _deleter;
    private readonly TimeProvider _time;
    private readonly bool _autoCreateNamespaces;

    public ObjectWriter(ObjectStore store, Admission admission, ObjectDeleter deleter, TimeProvider time, bool autoCreateNamespaces)
    {
        _store = store;
        _admission = admission;
        _deleter = deleter;
        _time = time;
        _autoCreateNamespaces = autoCreateNamespaces;
    }

    /// <summary>POST to a collection.</summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteContext context)
    {
        lock (_store.Gate)
        {
            CheckKind(type, body);
            var meta = body.Metadata();
            if (type.Namespaced)
            {
                var declared = meta.GetString("namespace");
                if (!string.IsNullOrEmpty(declared) && declared != ns)
                {
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }

                meta["namespace"] = ns;
                RequireNamespace(ns!, context);
            }
            else
            {
                meta.Remove("namespace");
            }

            var name = meta.GetString("name");
            if (string.IsNullOrEmpty(name))
            {
                var prefix = meta.GetString("generateName");
                if (string.IsNullOrEmpty(prefix))
                {
                    throw ApiException.Invalid(type.Group, type.Kind, "", [new FieldError("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]);
                }

                do
                {
                    name = ObjectNames.Generate(prefix);
                }
                while (_store.Contains(type.StorageKey, ns, name));
                meta["name"] = name;
            }

            var nameErrors = ObjectNames.Validate(type, name);
            if (nameErrors.Count > 0)
            {
                throw ApiException.Invalid(type.Group, type.Kind, name, nameErrors);
            }

            if (_store.Contains(type.StorageKey, ns, name))
            {
                throw ApiException.AlreadyExists(type.Group, type.Plural, name);
            }

            if (!string.IsNullOrEmpty(meta.GetString("resourceVersion")))
            {
                throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
            }

            foreach (var serverOwned in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields" })
            {
                meta.Remove(serverOwned);
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = JsonNodes.Timestamp(_time.GetUtcNow());
            meta["generation"] = 1;
            if (type.HasStatusSubresource)
            {
                body.Remove("status");
            }

            _admission.Admit(type, body, null, context);
            if (context.DryRun)
            {
                return Render(type, body);
            }

            var stored = _store.Put(type.StorageKey, body);
            _admission.AfterCommit(type, stored);
            _deleter.CollectIfOrphaned(type, stored);
            // What is stored now: a follow-up (a CRD marked Established) may have written it again.
            var now = _store.Find(type.StorageKey, ns, name);
            return Render(type, now is null || now.ResourceVersion == stored.ResourceVersion() ? stored : now.Parse());
        }
    }

    /// <summary>PUT of an object (<paramref name="statusOnly"/>: of its <c>/status</c>).</summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, bool statusOnly, WriteContext context)
    {
        lock (_store.Gate)
        {
            CheckKind(type, body);
            var current = _store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);
            var bodyName = body.Metadata().GetString("name");
            if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            {
                throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            var rv = body.Metadata().GetString("resourceVersion");
            if (string.IsNullOrEmpty(rv) && type.IsCustom)
            {
                throw ApiException.Invalid(type.Group, type.Kind, name, [FieldError.Invalid("metadata.resourceVersion", 0, "must be specified for an update")]);
            }

            return Commit(type, current, body, statusOnly, rv, context);
        }
    }

    /// <summary>PATCH of an object or its <c>/status</c>; server-side apply may create it.</summary>
    public JsonObject Patch(ResourceType type, string? ns, string name, string contentType, string patch, bool statusOnly, WriteContext context)
    {
        lock (_store.Gate)
        {
            var current = _store.Get(type.StorageKey, ns, name);
            if (current is null)
            {
                if (PatchApplier.IsApply(contentType) && !statusOnly)
                {
                    var created = PatchApplier.ParseApplyConfiguration(patch);
                    created.Metadata()["name"] = name;
                    return Create(type, ns, created, context);
                }

                throw ApiException.NotFound(type.Group, type.Plural, name);
            }

            var patched = PatchApplier.Apply(contentType, current.CloneObject(), patch, type);
            if (patched.Metadata().GetString("name") != name)
            {
                throw ApiException.BadRequest("metadata.name: the name of the object cannot be changed by a patch");
            }

            return Commit(type, current, patched, statusOnly, patched.Metadata().GetString("resourceVersion"), context);
        }
    }

    /// <summary>Replaces the whole stored object as the server itself does (no status split), e.g. for /scale and controllers.</summary>
    public JsonObject Commit(ResourceType type, JsonObject current, JsonObject proposed, bool statusOnly, string? expectedResourceVersion, WriteContext context)
    {
        lock (_store.Gate)
        {
            var name = current.Name();
            if (!string.IsNullOrEmpty(expectedResourceVersion) && expectedResourceVersion != current.ResourceVersion())
            {
                throw ApiException.Conflict(type.Group, type.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            JsonObject next;
            if (statusOnly)
            {
                // The status endpoint takes the status and nothing else: metadata and spec stay as stored.
                next = current.CloneObject();
                if (proposed["status"] is { } status)
                {
                    next["status"] = status.DeepClone();
                }
                else
                {
                    next.Remove("status");
                }
            }
            else
            {
                next = proposed.CloneObject();
                var meta = next.Metadata();
                var currentMeta = current.Metadata();
                foreach (var serverOwned in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
                {
                    if (currentMeta[serverOwned] is { } value)
                    {
                        meta[serverOwned] = value.DeepClone();
                    }
                    else
                    {
                        meta.Remove(serverOwned);
                    }
                }

                meta.Remove("selfLink");
                if (type.HasStatusSubresource)
                {
                    // The main endpoint ignores status where /status is a subresource.
                    if (current["status"] is { } status)
                    {
                        next["status"] = status.DeepClone();
                    }
                    else
                    {
                        next.Remove("status");
                    }
                }
            }

            next["apiVersion"] = current["apiVersion"]?.DeepClone();
            next["kind"] = type.Kind;
            next.Metadata()["resourceVersion"] = current.ResourceVersion();
            _admission.Admit(type, next, current, context);

            if (!SpecEquals(current, next))
            {
                var generation = JsonNodes.Int64(current.Metadata()["generation"]) ?? 1;
                next.Metadata()["generation"] = generation + 1;
            }

            if (JsonNode.DeepEquals(current, next) || context.DryRun)
            {
                return Render(type, context.DryRun ? next : current);
            }

            var stored = _store.Put(type.StorageKey, next);
            _admission.AfterCommit(type, stored);
            _deleter.RemoveIfFinalized(type, stored);
            return Render(type, stored);
        }
    }

    /// <summary>
    /// A stored object as served at the type's version, as UTF-8 JSON: the stored bytes themselves
    /// when they already carry that apiVersion and kind (no parse, no copy), else a rendered copy.
    /// </summary>
    public static byte[] RenderUtf8(ResourceType type, StoredObject stored) =>
        stored.ApiVersion == type.ApiVersion && stored.Kind == type.Kind ? stored.Json : JsonNodes.ToUtf8(Render(type, stored.Parse()));

    /// <summary>A copy of a stored object as served at the type's version.</summary>
    public static JsonObject Render(ResourceType type, JsonObject stored)
    {
        var copy = stored.CloneObject();
        copy["apiVersion"] = type.ApiVersion;
        copy["kind"] = type.Kind;
        return copy;
    }

    /// <summary>Whether everything but metadata, status, apiVersion and kind is equal (compared in place, without copies).</summary>
    private static bool SpecEquals(JsonObject a, JsonObject b)
    {
        static bool Ignored(string property) => property is "metadata" or "status" or "apiVersion" or "kind";
        var left = a.Where(p => !Ignored(p.Key)).ToList();
        if (left.Count != b.Count(p => !Ignored(p.Key)))
        {
            return false;
        }

        return left.All(p => b.TryGetPropertyValue(p.Key, out var other) && JsonNode.DeepEquals(p.Value, other));
    }

    private static void CheckKind(ResourceType type, JsonObject body)
    {
        var kind = body.GetString("kind");
        var apiVersion = body.GetString("apiVersion");
        if ((!string.IsNullOrEmpty(kind) && kind != type.Kind) || (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion))
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) and kind ({kind}) do not match the endpoint's {type.ApiVersion}, Kind={type.Kind}");
        }

        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
    }

    private void RequireNamespace(string ns, WriteContext context)
    {
        var nsObj = _store.Find("/namespaces", null, ns);
        if (nsObj is null)
        {
            if (!_autoCreateNamespaces)
            {
                throw ApiException.NotFound("", "namespaces", ns);
            }

            if (!context.DryRun)
            {
                var created = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Namespace",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = ns,
                        ["uid"] = Guid.NewGuid().ToString(),
                        ["creationTimestamp"] = JsonNodes.Timestamp(_time.GetUtcNow()),
                        ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns },
                    },
                    ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                };
                _store.Put("/namespaces", created);
            }

            return;
        }

        if (nsObj.Deleting)
        {
            throw ApiException.Forbidden($"unable to create new content in namespace {ns} because it is being terminated");
        }
    }
}

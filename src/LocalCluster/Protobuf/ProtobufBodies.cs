using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;

namespace PoolOperator.LocalCluster.Protobuf;

/// <summary>
/// Decodes the protobuf request bodies that client-go's typed clients send (kubectl's imperative
/// <c>create namespace|secret|configmap</c>, helm's release Secrets) for the kinds where that happens:
/// Namespace, Secret and ConfigMap, and the DeleteOptions of typed deletes. The envelope is the <c>k8s\0</c> magic and a <c>runtime.Unknown</c>
/// holding the type and the object's bytes. Other kinds are answered 415.
/// </summary>
internal static class ProtobufBodies
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(byte[] body)
    {
        var (apiVersion, kind, raw) = Unwrap(body);
        var obj = (apiVersion, kind) switch
        {
            ("v1", "Secret") => Secret(new ProtoReader(raw)),
            ("v1", "ConfigMap") => ConfigMap(new ProtoReader(raw)),
            ("v1", "Namespace") => Namespace(new ProtoReader(raw)),
            ("authentication.k8s.io/v1", "TokenRequest") => TokenRequest(new ProtoReader(raw)),
            ("v1", "ServiceAccount") => ServiceAccount(new ProtoReader(raw)),
            _ => throw ApiException.UnsupportedMediaType(
                $"the local cluster decodes protobuf only for v1 Namespace, Secret and ConfigMap, not {apiVersion} {kind}; send application/json"),
        };
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    /// <summary>A protobuf DeleteOptions body (client-go's typed clients send one with every delete), as its JSON form.</summary>
    public static JsonObject DecodeDeleteOptions(byte[] body)
    {
        var (_, kind, raw) = Unwrap(body);
        if (kind != "DeleteOptions")
        {
            throw ApiException.BadRequest($"expected DeleteOptions, got {kind}");
        }

        var options = new JsonObject();
        var dryRun = new JsonArray();
        var reader = new ProtoReader(raw);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: options["gracePeriodSeconds"] = (long)reader.ReadVarint(); break;
                case 2:
                    var preconditions = reader.ReadMessage();
                    var result = new JsonObject();
                    while (!preconditions.AtEnd)
                    {
                        var (f, w) = preconditions.ReadTag();
                        switch (f)
                        {
                            case 1: result["uid"] = preconditions.ReadString(); break;
                            case 2: result["resourceVersion"] = preconditions.ReadString(); break;
                            default: preconditions.Skip(w); break;
                        }
                    }

                    options["preconditions"] = result;
                    break;
                case 3: options["orphanDependents"] = reader.ReadVarint() != 0; break;
                case 4: options["propagationPolicy"] = reader.ReadString(); break;
                case 5: dryRun.Add(reader.ReadString()); break;
                default: reader.Skip(wire); break;
            }
        }

        AddIfAny(options, "dryRun", dryRun);
        return options;
    }

    private static (string ApiVersion, string Kind, byte[] Raw) Unwrap(byte[] body)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("the protobuf request body does not start with the Kubernetes magic prefix");
        }

        var envelope = new ProtoReader(body, Magic.Length);
        string apiVersion = "", kind = "";
        byte[] raw = [];
        while (!envelope.AtEnd)
        {
            var (field, wire) = envelope.ReadTag();
            switch (field)
            {
                case 1:
                    var typeMeta = envelope.ReadMessage();
                    while (!typeMeta.AtEnd)
                    {
                        var (f, w) = typeMeta.ReadTag();
                        if (f == 1)
                        {
                            apiVersion = typeMeta.ReadString();
                        }
                        else if (f == 2)
                        {
                            kind = typeMeta.ReadString();
                        }
                        else
                        {
                            typeMeta.Skip(w);
                        }
                    }

                    break;
                case 2:
                    raw = envelope.ReadBytes();
                    break;
                default:
                    envelope.Skip(wire);
                    break;
            }
        }

        return (apiVersion, kind, raw);
    }

    private static JsonObject Secret(ProtoReader reader)
    {
        var secret = new JsonObject();
        var data = new JsonObject();
        var stringData = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: secret["metadata"] = ObjectMeta(reader.ReadMessage()); break;
                case 2: MapEntry(reader.ReadMessage(), data, bytesValue: true); break;
                case 3: SetIfNotEmpty(secret, "type", reader.ReadString()); break;
                case 4: MapEntry(reader.ReadMessage(), stringData, bytesValue: false); break;
                case 5: secret["immutable"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }

        AddIfAny(secret, "data", data);
        AddIfAny(secret, "stringData", stringData);
        return secret;
    }

    private static JsonObject ConfigMap(ProtoReader reader)
    {
        var configMap = new JsonObject();
        var data = new JsonObject();
        var binaryData = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: configMap["metadata"] = ObjectMeta(reader.ReadMessage()); break;
                case 2: MapEntry(reader.ReadMessage(), data, bytesValue: false); break;
                case 3: MapEntry(reader.ReadMessage(), binaryData, bytesValue: true); break;
                case 4: configMap["immutable"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }

        AddIfAny(configMap, "data", data);
        AddIfAny(configMap, "binaryData", binaryData);
        return configMap;
    }

    private static JsonObject Namespace(ProtoReader reader)
    {
        var ns = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1)
            {
                ns["metadata"] = ObjectMeta(reader.ReadMessage());
            }
            else if (field == 2)
            {
                var spec = reader.ReadMessage();
                var finalizers = new JsonArray();
                while (!spec.AtEnd)
                {
                    var (f, w) = spec.ReadTag();
                    if (f == 1)
                    {
                        finalizers.Add(spec.ReadString());
                    }
                    else
                    {
                        spec.Skip(w);
                    }
                }

                if (finalizers.Count > 0)
                {
                    ns["spec"] = new JsonObject { ["finalizers"] = finalizers };
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return ns;
    }

    /// <summary>v1 ServiceAccount: metadata 1, automountServiceAccountToken 4 (the secret lists are not decoded).</summary>
    private static JsonObject ServiceAccount(ProtoReader reader)
    {
        var account = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: account["metadata"] = ObjectMeta(reader.ReadMessage()); break;
                case 4: account["automountServiceAccountToken"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }

        return account;
    }

    /// <summary>authentication.k8s.io/v1 TokenRequest: metadata 1, spec 2 (audiences 1, boundObjectRef 3, expirationSeconds 4).</summary>
    private static JsonObject TokenRequest(ProtoReader reader)
    {
        var request = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1)
            {
                request["metadata"] = ObjectMeta(reader.ReadMessage());
            }
            else if (field == 2)
            {
                var spec = reader.ReadMessage();
                var result = new JsonObject();
                var audiences = new JsonArray();
                while (!spec.AtEnd)
                {
                    var (f, w) = spec.ReadTag();
                    switch (f)
                    {
                        case 1: audiences.Add(spec.ReadString()); break;
                        case 4: result["expirationSeconds"] = (long)spec.ReadVarint(); break;
                        default: spec.Skip(w); break;
                    }
                }

                AddIfAny(result, "audiences", audiences);
                request["spec"] = result;
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return request;
    }

    /// <summary>The client-settable parts of ObjectMeta; timestamps and other server-owned fields are skipped.</summary>
    private static JsonObject ObjectMeta(ProtoReader reader)
    {
        var meta = new JsonObject();
        var labels = new JsonObject();
        var annotations = new JsonObject();
        var owners = new JsonArray();
        var finalizers = new JsonArray();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: SetIfNotEmpty(meta, "name", reader.ReadString()); break;
                case 2: SetIfNotEmpty(meta, "generateName", reader.ReadString()); break;
                case 3: SetIfNotEmpty(meta, "namespace", reader.ReadString()); break;
                case 5: SetIfNotEmpty(meta, "uid", reader.ReadString()); break;
                case 6: SetIfNotEmpty(meta, "resourceVersion", reader.ReadString()); break;
                case 11: MapEntry(reader.ReadMessage(), labels, bytesValue: false); break;
                case 12: MapEntry(reader.ReadMessage(), annotations, bytesValue: false); break;
                case 13: owners.Add(OwnerReference(reader.ReadMessage())); break;
                case 14: finalizers.Add(reader.ReadString()); break;
                default: reader.Skip(wire); break;
            }
        }

        AddIfAny(meta, "labels", labels);
        AddIfAny(meta, "annotations", annotations);
        AddIfAny(meta, "ownerReferences", owners);
        AddIfAny(meta, "finalizers", finalizers);
        return meta;
    }

    private static JsonObject OwnerReference(ProtoReader reader)
    {
        var owner = new JsonObject();
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: owner["kind"] = reader.ReadString(); break;
                case 3: owner["name"] = reader.ReadString(); break;
                case 4: owner["uid"] = reader.ReadString(); break;
                case 5: owner["apiVersion"] = reader.ReadString(); break;
                case 6: owner["controller"] = reader.ReadVarint() != 0; break;
                case 7: owner["blockOwnerDeletion"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }

        return owner;
    }

    private static void MapEntry(ProtoReader entry, JsonObject into, bool bytesValue)
    {
        string key = "";
        JsonNode value = "";
        while (!entry.AtEnd)
        {
            var (field, wire) = entry.ReadTag();
            if (field == 1)
            {
                key = entry.ReadString();
            }
            else if (field == 2)
            {
                value = bytesValue ? Convert.ToBase64String(entry.ReadBytes()) : entry.ReadString();
            }
            else
            {
                entry.Skip(wire);
            }
        }

        into[key] = value;
    }

    private static void SetIfNotEmpty(JsonObject obj, string name, string value)
    {
        if (value.Length > 0)
        {
            obj[name] = value;
        }
    }

    private static void AddIfAny(JsonObject obj, string name, JsonNode collection)
    {
        if (collection is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            obj[name] = collection;
        }
    }
}

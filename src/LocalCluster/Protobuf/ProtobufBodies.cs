using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;

namespace PoolOperator.LocalCluster.Protobuf;

/// <summary>
/// Decodes the protobuf request bodies that client-go's typed clients send (kubectl's imperative
/// <c>create</c>, <c>run</c> and <c>expose</c>, helm's release Secrets): the core, apps/v1, batch/v1, rbac/v1,
/// policy/v1, autoscaling/v2 and authentication.k8s.io/v1 kinds of <see cref="MessageTable"/>, and the DeleteOptions of typed deletes. The envelope
/// is the <c>k8s\0</c> magic and a <c>runtime.Unknown</c> holding the type and the object's bytes. Other kinds are answered 415.
/// </summary>
internal static class ProtobufBodies
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    private static readonly TableDecoder Messages = new(MessageTable.Embedded);

    public static JsonObject Decode(byte[] body)
    {
        var (apiVersion, kind, raw) = Unwrap(body);
        var package = apiVersion switch
        {
            "v1" => "core",
            "apps/v1" => "apps",
            "batch/v1" => "batch",
            "authentication.k8s.io/v1" => "authentication",
            "rbac.authorization.k8s.io/v1" => "rbac",
            "policy/v1" => "policy",
            "autoscaling/v2" => "autoscaling",
            _ => null,
        };
        var message = package + "." + kind;
        if (package is null || MessageTable.Embedded.Find(message) is null)
        {
            throw ApiException.UnsupportedMediaType(
                $"the local cluster decodes protobuf only for the core, apps/v1, batch/v1, rbac, policy/v1, autoscaling/v2 and authentication.k8s.io/v1 kinds kubectl sends, not {apiVersion} {kind}; send application/json");
        }

        var obj = Messages.Decode(message, new ProtoReader(raw));
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

    private static void AddIfAny(JsonObject obj, string name, JsonNode collection)
    {
        if (collection is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            obj[name] = collection;
        }
    }
}

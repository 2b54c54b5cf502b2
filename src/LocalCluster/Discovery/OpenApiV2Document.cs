using System.Text;
using System.Text.Json.Nodes;

namespace PoolOperator.LocalCluster.Discovery;

/// <summary>
/// <c>/openapi/v2</c> without definitions. kubectl (and helm) validate a <c>kind: List</c> on the client against
/// the v2 document, because a List has no server-side field validation to ask about; finding no model for an item
/// it skips client-side validation, and the server still validates every item as it is created. Without this
/// document <c>kubectl apply -f list.yaml</c> fails with "the server could not find the requested resource".
/// client-go asks for the gnostic protobuf encoding; JSON is answered to anyone else.
/// </summary>
internal static class OpenApiV2Document
{
    public const string ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private const string Title = "Kubernetes";

    public static bool WantsProtobuf(string accept) => accept.Contains("proto-openapi.spec.v2", StringComparison.OrdinalIgnoreCase);

    /// <summary>openapi_v2.Document: swagger (1) "2.0", info (2) { title (1), version (2) }.</summary>
    public static byte[] Protobuf()
    {
        var info = new List<byte>();
        Field(info, 1, Encoding.UTF8.GetBytes(Title));
        Field(info, 2, Encoding.UTF8.GetBytes(DiscoveryDocuments.GitVersion));
        var document = new List<byte>();
        Field(document, 1, Encoding.UTF8.GetBytes("2.0"));
        Field(document, 2, [.. info]);
        return [.. document];
    }

    public static JsonObject Json() => new()
    {
        ["swagger"] = "2.0",
        ["info"] = new JsonObject { ["title"] = Title, ["version"] = DiscoveryDocuments.GitVersion },
        ["paths"] = new JsonObject(),
        ["definitions"] = new JsonObject(),
    };

    private static void Field(List<byte> into, int number, byte[] bytes)
    {
        into.Add((byte)((number << 3) | 2));
        var length = bytes.Length;
        while (length >= 0x80)
        {
            into.Add((byte)(length | 0x80));
            length >>= 7;
        }

        into.Add((byte)length);
        into.AddRange(bytes);
    }
}

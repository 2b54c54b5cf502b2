using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Protobuf;

/// <summary>
/// Decodes a protobuf message into the JSON the same object has on the JSON path, driven by a
/// <see cref="MessageTable"/>. Go value fields are always on the wire, so their zero values (empty string, 0,
/// false) are dropped as JSON's <c>omitempty</c> drops them; pointer fields keep them (<c>replicas: 0</c>).
/// Unknown fields are skipped, as a real server's decoder skips them.
/// </summary>
internal sealed class TableDecoder
{
    private readonly MessageTable _table;

    public TableDecoder(MessageTable table) => _table = table;

    public JsonObject Decode(string message, ProtoReader reader)
    {
        var result = new JsonObject();
        DecodeInto(message, reader, result);
        return result;
    }

    private void DecodeInto(string message, ProtoReader reader, JsonObject into)
    {
        var fields = _table.Find(message) ?? throw ApiException.BadRequest($"the protobuf decoder has no message {message}");
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            if (!fields.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }

            if (field.Inline)
            {
                DecodeInto(field.Type, reader.ReadMessage(), into);
                continue;
            }

            if (field.Kind == ProtoKind.Map)
            {
                var map = into[field.Json] as JsonObject ?? [];
                into[field.Json] = map;
                MapEntry(field.Type, reader.ReadMessage(), map);
                continue;
            }

            if (field.Repeated)
            {
                var list = into[field.Json] as JsonArray ?? [];
                into[field.Json] = list;
                if (wire == 2 && field.Kind is ProtoKind.Int32 or ProtoKind.Int64 or ProtoKind.Bool)
                {
                    var packed = reader.ReadMessage();
                    while (!packed.AtEnd)
                    {
                        list.Add(Scalar(field.Kind, packed));
                    }
                }
                else
                {
                    list.Add(Value(field, reader));
                }

                continue;
            }

            var value = Value(field, reader);
            if (field.Pointer || !IsZero(value))
            {
                into[field.Json] = value;
            }
        }
    }

    private JsonNode? Value(ProtoField field, ProtoReader reader) => field.Kind switch
    {
        ProtoKind.Msg => Decode(field.Type, reader.ReadMessage()),
        ProtoKind.Time => Time(reader.ReadMessage()),
        ProtoKind.Duration => Duration(reader.ReadMessage()),
        ProtoKind.Quantity => Quantity(reader.ReadMessage()),
        ProtoKind.IntOrString => IntOrString(reader.ReadMessage()),
        _ => Scalar(field.Kind, reader),
    };

    private static JsonNode? Scalar(ProtoKind kind, ProtoReader reader) => kind switch
    {
        ProtoKind.String => reader.ReadString(),
        ProtoKind.Bytes => Convert.ToBase64String(reader.ReadBytes()),
        ProtoKind.Int32 => (int)(long)reader.ReadVarint(),
        ProtoKind.Int64 => (long)reader.ReadVarint(),
        ProtoKind.Bool => reader.ReadVarint() != 0,
        ProtoKind.Double => BitConverter.Int64BitsToDouble((long)reader.ReadFixed64()),
        _ => throw ApiException.BadRequest($"the protobuf decoder cannot read a {kind} here"),
    };

    private static bool IsZero(JsonNode? value) => value switch
    {
        null => true,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => !b,
        JsonValue v when v.TryGetValue<int>(out var i) => i == 0,
        JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
        JsonValue v when v.TryGetValue<double>(out var d) => d == 0,
        _ => false,
    };

    private void MapEntry(string types, ProtoReader entry, JsonObject into)
    {
        var valueType = types[(types.IndexOf(',', StringComparison.Ordinal) + 1)..];
        var key = "";
        JsonNode? value = valueType == "string" ? "" : null;
        while (!entry.AtEnd)
        {
            var (number, wire) = entry.ReadTag();
            if (number == 1)
            {
                key = entry.ReadString();
            }
            else if (number == 2)
            {
                value = valueType switch
                {
                    "string" => entry.ReadString(),
                    "bytes" => Convert.ToBase64String(entry.ReadBytes()),
                    "quantity" => Quantity(entry.ReadMessage()),
                    _ => Decode(valueType, entry.ReadMessage()),
                };
            }
            else
            {
                entry.Skip(wire);
            }
        }

        into[key] = value;
    }

    /// <summary>metav1.Time / MicroTime: seconds 1, nanos 2; the zero time is JSON null, so it is left out.</summary>
    private static JsonNode? Time(ProtoReader reader)
    {
        long seconds = 0, nanos = 0;
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            switch (number)
            {
                case 1: seconds = (long)reader.ReadVarint(); break;
                case 2: nanos = (long)reader.ReadVarint(); break;
                default: reader.Skip(wire); break;
            }
        }

        if (seconds == 0 && nanos == 0)
        {
            return null;
        }

        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        return nanos == 0
            ? JsonNodes.Timestamp(time)
            : time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>metav1.Duration: nanoseconds 1, written as Go prints a duration in seconds (<c>90s</c>).</summary>
    private static JsonNode Duration(ProtoReader reader)
    {
        long nanos = 0;
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            if (number == 1)
            {
                nanos = (long)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (nanos / 1e9).ToString(CultureInfo.InvariantCulture) + "s";
    }

    /// <summary>resource.Quantity: its string form in field 1.</summary>
    private static JsonNode Quantity(ProtoReader reader)
    {
        var text = "";
        while (!reader.AtEnd)
        {
            var (number, wire) = reader.ReadTag();
            if (number == 1)
            {
                text = reader.ReadString();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return text;
    }

    /// <summary>intstr.IntOrString: type 1 (0 int, 1 string), intVal 2, strVal 3.</summary>
    private static JsonNode IntOrString(ProtoReader reader)
    {
        long type = 0, number = 0;
        var text = "";
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: type = (long)reader.ReadVarint(); break;
                case 2: number = (int)(long)reader.ReadVarint(); break;
                case 3: text = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }

        return type == 1 ? text : number;
    }
}

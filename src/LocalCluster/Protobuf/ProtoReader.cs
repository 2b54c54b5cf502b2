using PoolOperator.LocalCluster.Http;

namespace PoolOperator.LocalCluster.Protobuf;

/// <summary>A minimal reader of the protobuf wire format: tags, varints and length-delimited fields.</summary>
internal sealed class ProtoReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    public ProtoReader(byte[] buffer, int start = 0, int? end = null)
    {
        _buffer = buffer;
        _position = start;
        _end = end ?? buffer.Length;
    }

    public bool AtEnd => _position >= _end;

    /// <summary>The next field number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Next();
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Malformed("varint too long");
    }

    public ulong ReadFixed64()
    {
        Advance(8);
        return BitConverter.ToUInt64(_buffer, _position - 8);
    }

    public byte[] ReadBytes()
    {
        var length = checked((int)ReadVarint());
        if (length < 0 || _position + length > _end)
        {
            throw Malformed("length beyond the message");
        }

        var bytes = _buffer.AsSpan(_position, length).ToArray();
        _position += length;
        return bytes;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    public ProtoReader ReadMessage() => new(ReadBytes());

    /// <summary>Skips a field this reader does not map.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadBytes();
                break;
            case 5:
                Advance(4);
                break;
            default:
                throw Malformed($"unsupported wire type {wireType}");
        }
    }

    private void Advance(int count)
    {
        if (_position + count > _end)
        {
            throw Malformed("field beyond the message");
        }

        _position += count;
    }

    private byte Next() => _position < _end ? _buffer[_position++] : throw Malformed("unexpected end");

    private static ApiException Malformed(string why) => ApiException.BadRequest("the protobuf request body could not be decoded: " + why);
}

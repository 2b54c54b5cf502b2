namespace PoolOperator.LocalCluster.Protobuf;

/// <summary>
/// The protobuf field numbers, JSON names and types of the Kubernetes messages client-go sends, read from
/// <c>KubernetesMessages.txt</c> (generated from k8s.io/api 1.35's <c>types.go</c> by <c>generate-messages.py</c>).
/// </summary>
internal sealed class MessageTable
{
    private readonly Dictionary<string, Dictionary<int, ProtoField>> _messages;

    private MessageTable(Dictionary<string, Dictionary<int, ProtoField>> messages) => _messages = messages;

    /// <summary>The table embedded in this assembly.</summary>
    public static MessageTable Embedded { get; } = Load();

    /// <summary>The fields of a message (<c>apps.Deployment</c>), or null when the table does not have it.</summary>
    public IReadOnlyDictionary<int, ProtoField>? Find(string message) => _messages.GetValueOrDefault(message);

    private static MessageTable Load()
    {
        using var stream = typeof(MessageTable).Assembly.GetManifestResourceStream("KubernetesMessages.txt")
            ?? throw new InvalidOperationException("KubernetesMessages.txt is not embedded");
        using var reader = new StreamReader(stream);
        var messages = new Dictionary<string, Dictionary<int, ProtoField>>(StringComparer.Ordinal);
        Dictionary<int, ProtoField>? current = null;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('@'))
            {
                current = new Dictionary<int, ProtoField>();
                messages[line[1..]] = current;
                continue;
            }

            var parts = line.Split(' ');
            var flags = parts[4];
            var field = new ProtoField(
                parts[1], Enum.Parse<ProtoKind>(parts[2], ignoreCase: true), parts[3],
                Pointer: flags.Contains('p', StringComparison.Ordinal), Repeated: flags.Contains('r', StringComparison.Ordinal),
                Inline: flags.Contains('i', StringComparison.Ordinal));
            current![int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)] = field;
        }

        return new MessageTable(messages);
    }
}

/// <summary>How a field's bytes become JSON.</summary>
internal enum ProtoKind
{
    String,
    Int32,
    Int64,
    Bool,
    Double,
    Bytes,
    Msg,
    Map,
    Time,
    Duration,
    Quantity,
    IntOrString,
}

/// <summary>One field of a message.</summary>
/// <param name="Json">JSON property name (<c>_</c> for an inlined struct).</param>
/// <param name="Kind">How it is encoded.</param>
/// <param name="Type">The message name (Msg), or <c>key,value</c> kinds/messages (Map).</param>
/// <param name="Pointer">A Go pointer: present on the wire only when set, so a zero value is meaningful and kept.</param>
/// <param name="Repeated">A list.</param>
/// <param name="Inline">An embedded struct whose fields belong to the parent object.</param>
internal sealed record ProtoField(string Json, ProtoKind Kind, string Type, bool Pointer, bool Repeated, bool Inline);

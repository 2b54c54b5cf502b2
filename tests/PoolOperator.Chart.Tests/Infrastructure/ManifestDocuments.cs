using YamlDotNet.RepresentationModel;

namespace PoolOperator.Chart.Tests.Infrastructure;

/// <summary>One document of a multi-document manifest, with its text kept as written.</summary>
/// <param name="ApiVersion">Its apiVersion.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Name">Its metadata.name.</param>
/// <param name="Text">The document's YAML.</param>
internal sealed record ManifestDocument(string ApiVersion, string Kind, string Name, string Text);

/// <summary>Splits manifests into documents without re-serializing them.</summary>
internal static class ManifestDocuments
{
    /// <summary>The non-empty documents of <paramref name="yaml"/>.</summary>
    public static List<ManifestDocument> Split(string yaml)
    {
        var documents = new List<ManifestDocument>();
        foreach (var text in yaml.Split(["\n---\n", "\n---\r\n"], StringSplitOptions.None).Select(t => t.StartsWith("---\n", StringComparison.Ordinal) ? t[4..] : t))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                continue;
            }

            string Scalar(YamlMappingNode node, string key) => node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? "" : "";
            var metadata = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? (YamlMappingNode)m : new YamlMappingNode();
            documents.Add(new ManifestDocument(Scalar(root, "apiVersion"), Scalar(root, "kind"), Scalar(metadata, "name"), text));
        }

        return documents;
    }

    /// <summary>Joins documents back into one manifest.</summary>
    public static string Join(IEnumerable<ManifestDocument> documents) => string.Join("\n---\n", documents.Select(d => d.Text));
}

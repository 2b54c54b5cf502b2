using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>Creates the objects of manifest files (multi-document YAML or JSON) at start, as <c>kubectl create -f</c> would.</summary>
internal sealed class ManifestLoader
{
    private readonly ResourceRegistry _registry;
    private readonly ObjectWriter _writer;

    public ManifestLoader(ResourceRegistry registry, ObjectWriter writer)
    {
        _registry = registry;
        _writer = writer;
    }

    /// <summary>Loads a file, or every .yaml/.yml/.json file of a directory in name order.</summary>
    public void Load(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
            : File.Exists(path) ? [path] : throw new FileNotFoundException($"manifest path '{path}' does not exist", path);
        foreach (var file in files)
        {
            foreach (var document in Documents(File.ReadAllText(file)))
            {
                Create(document, file);
            }
        }
    }

    private void Create(JsonObject obj, string file)
    {
        var apiVersion = obj.GetString("apiVersion") ?? throw new InvalidDataException($"{file}: a manifest has no apiVersion");
        var kind = obj.GetString("kind") ?? throw new InvalidDataException($"{file}: a manifest has no kind");
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        var type = _registry.All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind)
            ?? throw new InvalidDataException($"{file}: no resource of kind {kind} in {apiVersion} is served");
        var ns = type.Namespaced ? obj.Namespace() ?? "default" : null;
        _writer.Create(type, ns, obj, new WriteContext { FieldValidation = "Strict" });
    }

    private static IEnumerable<JsonObject> Documents(string text) =>
        text.TrimStart().StartsWith('{')
            ? [YamlToJson.Parse(text) as JsonObject ?? []]
            : YamlToJson.ParseAll(text).OfType<JsonObject>();
}

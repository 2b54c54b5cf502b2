using System.Text.Json.Nodes;

namespace PoolOperator.Api.Tests;

/// <summary>The project's CRDs, as the API server would read them.</summary>
internal static class Crds
{
    public static JsonObject Load(string kind)
    {
        foreach (var file in RepositoryFiles.Yaml("deploy/crds"))
        {
            foreach (var doc in YamlJson.LoadAll(File.ReadAllText(file)))
            {
                if ((string?)doc["spec"]?["names"]?["kind"] == kind)
                {
                    return doc.AsObject();
                }
            }
        }

        throw new InvalidOperationException("No CRD for kind " + kind + " in deploy/crds");
    }

    public static JsonObject Schema(string kind) =>
        Load(kind)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
}

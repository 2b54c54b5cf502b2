using System.Text.Json.Nodes;
using k8s;

namespace PoolOperator.Api.Tests;

public class ExampleTests
{
    public static TheoryData<string, int> CustomResourcesInExamples()
    {
        var data = new TheoryData<string, int>();
        // The shared budget lives beside the Go worker: it replaces examples/budget-basic.yaml under the same name, so
        // `kubectl apply -f examples/` must not apply both.
        foreach (var file in RepositoryFiles.Yaml("examples").Concat(RepositoryFiles.Yaml("examples/go-worker")))
        {
            var docs = YamlJson.LoadAll(File.ReadAllText(file));
            for (var i = 0; i < docs.Count; i++)
            {
                if (((string?)docs[i]["apiVersion"])?.StartsWith(ApiGroup.Group + "/", StringComparison.Ordinal) == true)
                {
                    data.Add(Path.GetRelativePath(RepositoryFiles.Root, file), i);
                }
            }
        }

        return data;
    }

    [Fact]
    public void Examples_folder_holds_budgets()
    {
        Assert.True(CustomResourcesInExamples().Count >= 3);
    }

    [Theory]
    [MemberData(nameof(CustomResourcesInExamples))]
    public void Every_example_passes_its_crd_schema_and_rules(string file, int document)
    {
        var doc = YamlJson.LoadAll(File.ReadAllText(RepositoryFiles.PathOf(file)))[document];
        var validator = new CrdValidator(Crds.Schema((string)doc["kind"]!));

        var errors = validator.Validate(doc);

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void The_card_example_reads_into_the_csharp_type()
    {
        var yaml = File.ReadAllText(RepositoryFiles.PathOf("examples/budget-basic.yaml"));

        var budget = KubernetesYaml.Deserialize<DatabaseBudget>(yaml);

        Assert.Equal(100, budget.Spec.MaxConnections);
        Assert.Equal(10, budget.Spec.ReservedConnections);
        var workload = Assert.Single(budget.Spec.Workloads);
        Assert.Equal((WorkloadKinds.Deployment, "orders-api", 1), (workload.Kind, workload.Name, workload.Weight));
    }

    [Fact]
    public void Serialised_budget_uses_camel_case_and_omits_nulls()
    {
        var budget = new DatabaseBudget { Metadata = new() { Name = "b" }, Spec = new() { MaxConnections = 50 } };

        var json = JsonNode.Parse(KubernetesJson.Serialize(budget))!.AsObject();

        Assert.Equal(50, (int)json["spec"]!["maxConnections"]!);
        Assert.False(json["spec"]!.AsObject().ContainsKey("serverRef"));
        Assert.False(json.ContainsKey("status"));
        Assert.Equal("pooloperator.io/v1alpha1", (string?)json["apiVersion"]);
    }
}

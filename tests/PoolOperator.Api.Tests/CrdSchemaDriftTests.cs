using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PoolOperator.Api.Tests;

public class CrdSchemaDriftTests
{
    [Theory]
    [InlineData(typeof(DatabaseBudget), DatabaseBudget.KubeKind)]
    [InlineData(typeof(ConnectionGrant), ConnectionGrant.KubeKind)]
    public void Csharp_type_and_crd_schema_declare_the_same_fields(Type type, string kind)
    {
        var differences = SchemaDrift.Compare(type, Crds.Schema(kind));

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Fact]
    public void A_field_only_in_the_csharp_type_is_reported()
    {
        var differences = SchemaDrift.Compare(typeof(GrantSpecWithExtraField), Crds.Schema(ConnectionGrant.KubeKind)["properties"]!["spec"]!.AsObject());

        Assert.Equal(["burstLimit: in the C# type GrantSpecWithExtraField but not in the CRD schema"], differences);
    }

    [Fact]
    public void A_field_only_in_the_schema_is_reported()
    {
        var schema = Crds.Schema(DatabaseBudget.KubeKind);
        schema["properties"]!["spec"]!["properties"]!["burstConnections"] = new JsonObject { ["type"] = "integer" };

        var differences = SchemaDrift.Compare(typeof(DatabaseBudget), schema);

        Assert.Equal(["spec.burstConnections: in the CRD schema but not in the C# type DatabaseBudgetSpec"], differences);
    }

    [Fact]
    public void A_field_whose_json_type_differs_is_reported()
    {
        var schema = Crds.Schema(ConnectionGrant.KubeKind);
        schema["properties"]!["spec"]!["properties"]!["limit"] = new JsonObject { ["type"] = "string" };

        var differences = SchemaDrift.Compare(typeof(ConnectionGrant), schema);

        Assert.Equal(["spec.limit: C# Int32 is 'integer', schema says 'string'"], differences);
    }

    /// <summary>The grant spec as it would look if someone added a field to the C# side only.</summary>
    private sealed class GrantSpecWithExtraField
    {
        [JsonPropertyName("podName")]
        public string PodName { get; set; } = "";

        [JsonPropertyName("podUID")]
        public string PodUid { get; set; } = "";

        [JsonPropertyName("budgetName")]
        public string BudgetName { get; set; } = "";

        [JsonPropertyName("workloadName")]
        public string? WorkloadName { get; set; }

        [JsonPropertyName("limit")]
        public int Limit { get; set; }

        [JsonPropertyName("hold")]
        public int? Hold { get; set; }

        [JsonPropertyName("burstLimit")]
        public int BurstLimit { get; set; }
    }
}

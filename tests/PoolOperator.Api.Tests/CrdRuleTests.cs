using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PoolOperator.Api.Tests;

/// <summary>What the budget CRD refuses, so a bad budget never reaches the operator.</summary>
public class CrdRuleTests
{
    private readonly CrdValidator budgets = new(Crds.Schema(DatabaseBudget.KubeKind));

    private static JsonNode Budget(string spec) =>
        JsonNode.Parse($$"""{"apiVersion":"pooloperator.io/v1alpha1","kind":"DatabaseBudget","metadata":{"name":"b"},"spec":{{spec}}}""")!;

    [Fact]
    public void A_valid_budget_passes() =>
        Assert.Empty(budgets.Validate(Budget("""{"maxConnections":100,"reservedConnections":10,"workloads":[{"name":"web"}]}""")));

    [Theory]
    [InlineData("""{"maxConnections":100,"reservedConnections":100,"workloads":[{"name":"web"}]}""", "reservedConnections must be smaller than maxConnections")]
    [InlineData("""{"reservedConnections":1,"workloads":[{"name":"web"}]}""", "maxConnections or serverRef must be given")]
    [InlineData("""{"maxConnections":10,"reservedConnections":0,"workloads":[{"name":"web","minPerReplica":5,"maxPerReplica":2}]}""", "maxPerReplica must not be smaller than minPerReplica")]
    public void Cel_rules_reject_inconsistent_budgets(string spec, string message)
    {
        var errors = budgets.Validate(Budget(spec));

        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"maxConnections":100,"workloads":[{"kind":"DaemonSet","name":"web"}]}""")]
    [InlineData("""{"maxConnections":0,"workloads":[{"name":"web"}]}""")]
    [InlineData("""{"maxConnections":100,"workloads":[]}""")]
    [InlineData("""{"maxConnections":100,"workloads":[{"name":"web","weight":0}]}""")]
    [InlineData("""{"maxConnections":100,"reservedConnections":-1,"workloads":[{"name":"web"}]}""")]
    [InlineData("""{"maxConnections":"100","workloads":[{"name":"web"}]}""")]
    [InlineData("""{"maxConnections":100}""")]
    public void Schema_rejects_malformed_budgets(string spec) =>
        Assert.NotEmpty(budgets.Validate(Budget(spec)));

    [Fact]
    public void Budget_crd_has_status_subresource_short_name_and_printer_columns()
    {
        var crd = Crds.Load(DatabaseBudget.KubeKind);
        var version = crd["spec"]!["versions"]![0]!;

        Assert.Equal("dbb", (string?)crd["spec"]!["names"]!["shortNames"]![0]);
        Assert.NotNull(version["subresources"]?["status"]);
        var columns = version["additionalPrinterColumns"]!.AsArray().Select(c => (string)c!["name"]!).ToList();
        Assert.Equal(["Available", "Pods", "Per-Replica", "Ready", "Age"], columns);
    }

    [Theory]
    [InlineData(DatabaseBudget.KubeKind)]
    [InlineData(ConnectionGrant.KubeKind)]
    public void Printer_columns_point_at_fields_the_schema_declares(string kind)
    {
        var crd = Crds.Load(kind);
        var schema = Crds.Schema(kind);
        foreach (var column in crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray())
        {
            // Filters such as [?(@.type=="Ready")] select list items; the path goes on through the item schema.
            var path = Regex.Replace((string)column!["jsonPath"]!, @"\[[^\]]*\]", "[]").TrimStart('.');
            if (path.StartsWith("metadata.", StringComparison.Ordinal))
            {
                continue;
            }

            JsonNode? node = schema;
            foreach (var segment in path.Split('.'))
            {
                var name = segment.Split('[')[0];
                node = node?["properties"]?[name];
                if (segment.Contains('[', StringComparison.Ordinal))
                {
                    node = node?["items"];
                }
            }

            Assert.True(node is not null, $"{kind} printer column {column["name"]} names {path}, which the schema does not declare");
        }
    }
}

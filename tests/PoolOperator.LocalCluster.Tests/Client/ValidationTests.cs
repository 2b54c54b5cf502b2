using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>Custom resources checked against the project's real CRDs: schema, defaults, CEL rules, unknown fields.</summary>
public sealed class ValidationTests
{
    private const string Ns = "default";

    [Fact]
    public async Task Schema_defaults_are_filled_in()
    {
        await using var server = await TestCluster.StartAsync();
        var created = await CreateBudgetAsync(server.CreateClient(), """
            {"maxConnections": 100, "workloads": [{"name": "orders-api"}]}
            """);

        Assert.Equal(0, (int)created["spec"]!["reservedConnections"]!);
        Assert.Equal("Deployment", (string)created["spec"]!["workloads"]![0]!["kind"]!);
        Assert.Equal(1, (int)created["spec"]!["workloads"]![0]!["weight"]!);
    }

    [Fact]
    public async Task A_CEL_rule_on_spec_is_422_Invalid_at_spec_with_the_rules_message()
    {
        await using var server = await TestCluster.StartAsync();

        var error = await InvalidAsync(server, """{"maxConnections": 10, "reservedConnections": 10, "workloads": [{"name": "a"}]}""");

        var cause = Assert.Single(error.Causes);
        Assert.Equal("spec", cause.Field);
        Assert.Contains("reservedConnections must be smaller than maxConnections", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CEL_rule_on_a_list_item_names_the_item()
    {
        await using var server = await TestCluster.StartAsync();

        var error = await InvalidAsync(server, """{"maxConnections": 100, "workloads": [{"name": "a"}, {"name": "b", "minPerReplica": 5, "maxPerReplica": 2}]}""");

        var cause = Assert.Single(error.Causes);
        Assert.Equal("spec.workloads[1]", cause.Field);
        Assert.Contains("maxPerReplica must not be smaller than minPerReplica", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Either_maxConnections_or_serverRef_is_required()
    {
        await using var server = await TestCluster.StartAsync();

        var error = await InvalidAsync(server, """{"workloads": [{"name": "a"}]}""");

        Assert.Contains(error.Causes, c => c.Field == "spec" && c.Message.Contains("maxConnections or serverRef must be given", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"maxConnections": 0, "workloads": [{"name": "a"}]}""", "spec.maxConnections", "FieldValueInvalid")]
    [InlineData("""{"maxConnections": "many", "workloads": [{"name": "a"}]}""", "spec.maxConnections", "FieldValueTypeInvalid")]
    [InlineData("""{"maxConnections": 10}""", "spec.workloads", "FieldValueRequired")]
    [InlineData("""{"maxConnections": 10, "workloads": []}""", "spec.workloads", "FieldValueInvalid")]
    [InlineData("""{"maxConnections": 10, "workloads": [{"kind": "Job", "name": "a"}]}""", "spec.workloads[0].kind", "FieldValueNotSupported")]
    [InlineData("""{"maxConnections": 10, "workloads": [{"name": "a"}, {"name": "a"}]}""", "spec.workloads[1]", "FieldValueDuplicate")]
    public async Task Schema_violations_are_422_Invalid_with_the_field_path(string spec, string field, string reason)
    {
        await using var server = await TestCluster.StartAsync();

        var error = await InvalidAsync(server, spec);

        Assert.Contains(error.Causes, c => c.Field == field && c.Reason == reason);
    }

    [Fact]
    public async Task Unknown_fields_are_rejected_under_Strict_and_dropped_with_a_warning_otherwise()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var body = Budget("b1", """{"maxConnections": 10, "workloads": [{"name": "a"}], "surprise": true}""");

        var strict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural, fieldValidation: "Strict"));
        Assert.Equal(HttpStatusCode.BadRequest, strict.Response.StatusCode);
        Assert.Contains("unknown field \\\"spec.surprise\\\"", strict.Response.Content, StringComparison.Ordinal);

        var created = await client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(body, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural);
        Assert.Contains(created.Response.Headers.GetValues("Warning"), w => w.Contains("spec.surprise", StringComparison.Ordinal));
        var stored = await client.CustomObjects.GetNamespacedCustomObjectAsync<DatabaseBudget>(ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural, "b1");
        Assert.Equal(10, stored.Spec.MaxConnections);
    }

    [Fact]
    public async Task Status_writes_are_validated_too()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync<ConnectionGrant>(ObjectSemanticsTests.NewGrant("p.b", 3), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"appliedLimit":-1}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural, "p.b"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Response.StatusCode);
        Assert.Contains("status.appliedLimit", ex.Response.Content, StringComparison.Ordinal);
    }

    private static async Task<JsonObject> CreateBudgetAsync(IKubernetes client, string spec)
    {
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync(Budget("b1", spec), ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.BudgetPlural);
        return JsonNode.Parse(KubernetesJson.Serialize(created))!.AsObject();
    }

    private static async Task<StatusView> InvalidAsync(LocalKubernetesServer server, string spec)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => CreateBudgetAsync(server.CreateClient(), spec));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ex.Response.StatusCode);
        var status = JsonNode.Parse(ex.Response.Content)!.AsObject();
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal(422, (int?)status["code"]);
        var causes = (status["details"]?["causes"] as JsonArray ?? [])
            .Select(c => new Cause((string?)c!["field"] ?? "", (string?)c["reason"] ?? "", (string?)c["message"] ?? ""))
            .ToList();
        return new StatusView((string?)status["message"] ?? "", causes);
    }

    private static JsonObject Budget(string name, string spec) => new()
    {
        ["apiVersion"] = ApiGroup.ApiVersion,
        ["kind"] = DatabaseBudget.KubeKind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = JsonNode.Parse(spec),
    };

    private sealed record Cause(string Field, string Reason, string Message);

    private sealed record StatusView(string Message, List<Cause> Causes);
}

using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>The documents kubectl depends on, checked on the wire: discovery, OpenAPI v3, tables.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Aggregated_discovery_is_answered_with_its_content_type_and_lists_the_CRDs()
    {
        await using var server = await TestCluster.StartAsync();
        using var http = server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.Accept.ParseAdd("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");

        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        var group = body["items"]!.AsArray().Single(i => (string?)i!["metadata"]!["name"] == "pooloperator.io")!;
        var budgets = group["versions"]![0]!["resources"]!.AsArray().Single(r => (string?)r!["resource"] == "databasebudgets")!;
        Assert.Equal("Namespaced", (string?)budgets["scope"]);
        Assert.Equal("status", (string?)budgets["subresources"]![0]!["subresource"]);
        Assert.Contains("dbb", budgets["shortNames"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task OpenAPI_v3_offers_server_side_field_validation_for_every_resource()
    {
        await using var server = await TestCluster.StartAsync();
        using var http = server.CreateHttpClient();

        var index = JsonNode.Parse(await http.GetStringAsync("/openapi/v3"))!;
        var url = (string)index["paths"]!["apis/pooloperator.io/v1alpha1"]!["serverRelativeURL"]!;
        var document = JsonNode.Parse(await http.GetStringAsync(url))!;
        var patch = document["paths"]!["/apis/pooloperator.io/v1alpha1/namespaces/{namespace}/databasebudgets/{name}"]!["patch"]!;

        Assert.Equal("DatabaseBudget", (string?)patch["x-kubernetes-group-version-kind"]!["kind"]);
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation" && (string?)p["in"] == "query");
        Assert.Null(patch["requestBody"]!["content"]!["application/strategic-merge-patch+json"]);
        Assert.NotNull(document["components"]!["schemas"]!["io.pooloperator.v1alpha1.DatabaseBudget"]!["properties"]!["spec"]);
    }

    [Fact]
    public async Task Tables_use_the_CRDs_printer_columns()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var grant = ObjectSemanticsTests.NewGrant("pod-a.budget", 7);
        await k8s.CustomObjectsOperationsExtensions.CreateNamespacedCustomObjectAsync(client.CustomObjects, grant, "pooloperator.io", "v1alpha1", "default", "connectiongrants");
        using var http = server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis/pooloperator.io/v1alpha1/namespaces/default/connectiongrants");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));

        var table = JsonNode.Parse(await (await http.SendAsync(request)).Content.ReadAsStringAsync())!;

        Assert.Equal("Table", (string?)table["kind"]);
        var columns = table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ToList();
        Assert.Equal(["Name", "Pod", "Budget", "Limit", "Applied", "Phase", "In-Use", "Age"], columns);
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("pod-a.budget", (string?)cells[0]);
        Assert.Equal("pod-a", (string?)cells[1]);
        Assert.Equal(7, (int)cells[3]!);
        Assert.Null(cells[4]);
        Assert.Equal("PartialObjectMetadata", (string?)table["rows"]![0]!["object"]!["kind"]);
    }
}

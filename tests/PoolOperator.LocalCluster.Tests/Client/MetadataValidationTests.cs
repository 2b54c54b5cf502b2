using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Client;

/// <summary>The real server's metadata and MicroTime rules, for built-in and custom objects alike.</summary>
public sealed class MetadataValidationTests
{
    private const string Ns = "default";

    [Fact]
    public async Task A_label_value_over_63_characters_is_refused_on_a_built_in_and_on_a_custom_resource()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var value = new string('a', 64);

        var configMap = await InvalidAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new() { Name = "settings", Labels = new Dictionary<string, string> { ["pool"] = value } } }, Ns));
        var grant = ObjectSemanticsTests.NewGrant("web-1.orders", 5);
        grant.Metadata.Labels = new Dictionary<string, string> { ["pooloperator.io/pod"] = value };
        var custom = await InvalidAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural));
        grant.Metadata.Labels = new Dictionary<string, string> { ["pooloperator.io/pod"] = new string('a', 63) };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(grant, ApiGroup.Group, ApiGroup.Version, Ns, ApiGroup.GrantPlural);

        Assert.Equal($"ConfigMap \"settings\" is invalid: metadata.labels: Invalid value: \"{value}\": must be no more than 63 characters", (string?)configMap["message"]);
        Assert.Equal(
            $"ConnectionGrant.pooloperator.io \"web-1.orders\" is invalid: metadata.labels: Invalid value: \"{value}\": must be no more than 63 characters",
            (string?)custom["message"]);
        Assert.Equal("metadata.labels", (string?)custom["details"]!["causes"]![0]!["field"]);
    }

    [Fact]
    public async Task Label_keys_must_be_qualified_names_and_annotations_fit_256_KiB()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();

        var key = await InvalidAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new() { Name = "a", Labels = new Dictionary<string, string> { ["bad key"] = "x" } } }, Ns));
        var prefix = await InvalidAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new() { Name = "b", Labels = new Dictionary<string, string> { ["Example.com/x"] = "x" } } }, Ns));
        var annotations = await InvalidAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new() { Name = "c", Annotations = new Dictionary<string, string> { ["big"] = new string('x', 256 * 1024) } } }, Ns));

        Assert.StartsWith("ConfigMap \"a\" is invalid: metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters", (string?)key["message"], StringComparison.Ordinal);
        Assert.Contains("prefix part a lowercase RFC 1123 subdomain", (string?)prefix["message"], StringComparison.Ordinal);
        Assert.Equal("ConfigMap \"c\" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes", (string?)annotations["message"]);
        Assert.Equal("FieldValueTooLong", (string?)annotations["details"]!["causes"]![0]!["reason"]);
    }

    [Fact]
    public async Task Names_follow_the_rule_of_their_kind()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();

        var pod = await InvalidAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "Web_1" } }, Ns));
        var service = await InvalidAsync(() => client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new() { Name = "1web" }, Spec = new V1ServiceSpec() }, Ns));
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "1web.a" } }, Ns);

        Assert.Contains("a lowercase RFC 1123 subdomain must consist of", (string?)pod["message"], StringComparison.Ordinal);
        Assert.Contains("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character", (string?)service["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_eventTime_without_six_fractional_digits_is_refused_as_the_real_decoder_refuses_it()
    {
        await using var server = await TestCluster.StartAsync();
        using var http = server.CreateHttpClient();

        using var whole = await PostEventAsync(http, "whole", "2026-12-01T20:00:00Z", "ok");
        using var millis = await PostEventAsync(http, "millis", "2026-12-01T20:00:00.123Z", "ok");
        using var micros = await PostEventAsync(http, "micros", "2026-12-01T20:00:00.123456Z", "ok");
        using var longNote = await PostEventAsync(http, "long", "2026-12-01T20:00:00.123456Z", new string('n', 1025));

        Assert.Equal(HttpStatusCode.BadRequest, whole.StatusCode);
        Assert.Contains(
            "Event in version \\\"v1\\\" cannot be handled as a Event: parsing time \\\"2026-12-01T20:00:00Z\\\" as \\\"2006-01-02T15:04:05.000000Z07:00\\\": cannot parse \\\"Z\\\" as \\\".000000\\\"",
            await whole.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, millis.StatusCode);
        Assert.Equal(HttpStatusCode.Created, micros.StatusCode);
        Assert.Equal((HttpStatusCode)422, longNote.StatusCode);
        Assert.Contains("note: Too long: may not be more than 1024 bytes", await longNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_librarys_MicroTime_serialisation_passes_except_on_an_exact_whole_second()
    {
        await using var server = await TestCluster.StartAsync();
        var client = server.CreateClient();
        var whole = new DateTime(2026, 12, 1, 20, 0, 0, DateTimeKind.Utc);
        var fraction = whole.AddTicks(1_234_500); // KubernetesClient writes .123450Z: six digits

        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("leader", fraction), Ns);
        await client.EventsV1.CreateNamespacedEventAsync(Event("e1", fraction), Ns);
        // On a whole second KubernetesClient 21.0.8 writes "2026-12-01T20:00:00Z", which a real server refuses too.
        var lease = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("whole", whole), Ns));
        var ev = await Assert.ThrowsAsync<HttpOperationException>(() => client.EventsV1.CreateNamespacedEventAsync(Event("e2", whole), Ns));

        Assert.Equal(fraction, (await client.CoordinationV1.ReadNamespacedLeaseAsync("leader", Ns)).Spec.RenewTime);
        Assert.Equal(HttpStatusCode.BadRequest, lease.Response.StatusCode);
        Assert.Contains("cannot parse \\\"Z\\\" as \\\".000000\\\"", lease.Response.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, ev.Response.StatusCode);
    }

    private static V1Lease Lease(string name, DateTime time) =>
        new() { Metadata = new() { Name = name }, Spec = new V1LeaseSpec { HolderIdentity = "a", AcquireTime = time, RenewTime = time } };

    private static Eventsv1Event Event(string name, DateTime time) => new()
    {
        Metadata = new() { Name = name },
        EventTime = time,
        ReportingController = "pooloperator.io/test",
        ReportingInstance = "test-1",
        Action = "Test",
        Reason = "Tested",
        Type = "Normal",
        Regarding = new V1ObjectReference { Kind = "Pod", Name = "p", NamespaceProperty = Ns },
    };

    private static async Task<HttpResponseMessage> PostEventAsync(HttpClient http, string name, string eventTime, string note) =>
        await http.PostAsJsonAsync($"/apis/events.k8s.io/v1/namespaces/{Ns}/events", new JsonObject
        {
            ["apiVersion"] = "events.k8s.io/v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["eventTime"] = eventTime,
            ["reportingController"] = "pooloperator.io/test",
            ["reportingInstance"] = "test-1",
            ["action"] = "Test",
            ["reason"] = "Tested",
            ["type"] = "Normal",
            ["note"] = note,
            ["regarding"] = new JsonObject { ["kind"] = "Pod", ["name"] = "p", ["namespace"] = Ns },
        });

    private static async Task<JsonNode> InvalidAsync(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        var status = JsonNode.Parse(ex.Response.Content)!;
        Assert.Equal("Invalid", (string?)status["reason"]);
        return status;
    }
}

using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Selectors;
using PoolOperator.LocalCluster.Tables;

namespace PoolOperator.LocalCluster.Tests.Units;

public sealed class SelectorAndPathTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier=front", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (api, web)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("app in (api,web),!missing", true)]
    [InlineData("", true)]
    public void Label_selectors_match_as_the_real_server_does(string selector, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app in web")]
    [InlineData("a,,b")]
    [InlineData("app web")]
    public void Malformed_label_selectors_are_400(string selector) =>
        Assert.Equal(400, Assert.Throws<ApiException>(() => LabelSelector.Parse(selector)).Code);

    [Fact]
    public void Field_selectors_read_dotted_paths_and_treat_missing_as_empty()
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"p","namespace":"n"},"status":{"phase":"Running"}}""")!.AsObject();

        Assert.True(FieldSelector.Parse("metadata.name=p,status.phase=Running").Matches(pod));
        Assert.False(FieldSelector.Parse("status.phase!=Running").Matches(pod));
        Assert.True(FieldSelector.Parse("spec.nodeName=").Matches(pod));
        Assert.Equal(400, Assert.Throws<ApiException>(() => FieldSelector.Parse("metadata.name")).Code);
    }

    [Theory]
    [InlineData(".spec.limit", "7")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".spec.workloads[*].name", "a,b")]
    [InlineData(".spec.workloads[1].name", "b")]
    [InlineData("{.spec.workloads[-1].name}", "b")]
    [InlineData(".spec.absent", "")]
    public void Printer_column_paths_select_values(string path, string expected)
    {
        var obj = JsonNode.Parse("""
            {"spec":{"limit":7,"workloads":[{"name":"a"},{"name":"b"}]},
             "status":{"conditions":[{"type":"Progressing","status":"False"},{"type":"Ready","status":"True"}]}}
            """);

        var values = SimpleJsonPath.Evaluate(obj, path).Select(v => v is JsonValue ? v.ToString() : v?.ToJsonString());

        Assert.Equal(expected, string.Join(",", values));
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(192, "3m12s")]
    [InlineData(1500, "25m")]
    [InlineData(5 * 3600 + 600, "5h10m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(120 * 86400, "120d")]
    public void Ages_print_like_kubectl(int seconds, string expected) =>
        Assert.Equal(expected, TableConverter.HumanDuration(TimeSpan.FromSeconds(seconds)));
}

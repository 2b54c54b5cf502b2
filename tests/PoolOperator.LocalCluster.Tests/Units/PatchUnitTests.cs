using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Patching;

namespace PoolOperator.LocalCluster.Tests.Units;

public sealed class PatchUnitTests
{
    [Fact]
    public void Merge_patch_merges_objects_deletes_nulls_and_replaces_lists()
    {
        var result = JsonMergePatch.Apply(Parse("""{"a":{"b":1,"c":2},"l":[1,2],"d":1}"""), Parse("""{"a":{"b":9,"c":null},"l":[3],"e":"x"}"""));

        Assert.Equal("""{"a":{"b":9},"l":[3],"d":1,"e":"x"}""", result!.ToJsonString());
    }

    [Fact]
    public void Json_patch_supports_every_operation()
    {
        var patch = Parse("""
            [{"op":"add","path":"/l/-","value":3},{"op":"add","path":"/l/0","value":0},{"op":"remove","path":"/a/c"},
             {"op":"replace","path":"/a/b","value":5},{"op":"copy","from":"/a/b","path":"/x"},{"op":"move","from":"/x","path":"/y"},
             {"op":"test","path":"/y","value":5},{"op":"add","path":"/k~1e","value":true}]
            """);

        var result = JsonPatch.Apply(Parse("""{"a":{"b":1,"c":2},"l":[1,2]}""")!, patch);

        Assert.Equal("""{"a":{"b":5},"l":[0,1,2,3],"y":5,"k/e":true}""", result.ToJsonString());
    }

    [Fact]
    public void Json_patch_on_a_missing_path_is_422() =>
        Assert.Equal(422, Assert.Throws<ApiException>(() => JsonPatch.Apply(Parse("{}")!, Parse("""[{"op":"remove","path":"/nope"}]"""))).Code);

    [Fact]
    public void Strategic_merge_patch_merges_keyed_lists_unions_finalizers_and_honours_directives()
    {
        var current = Parse("""
            {"metadata":{"finalizers":["a"]},
             "spec":{"containers":[{"name":"app","image":"1","ports":[{"containerPort":80,"name":"http"}]},{"name":"side","image":"1"}],
                     "tolerations":[{"key":"x"}]},
             "status":{"conditions":[{"type":"Ready","status":"False"}]}}
            """);
        var patch = Parse("""
            {"metadata":{"finalizers":["b","a"]},
             "spec":{"$setElementOrder/containers":[{"name":"app"}],
                     "containers":[{"name":"app","image":"2","ports":[{"containerPort":81}]},{"name":"side","$patch":"delete"},{"name":"new","image":"n"}],
                     "tolerations":[{"key":"y"}]},
             "status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}]}}
            """);

        var result = StrategicMergePatch.Apply(current, patch)!;

        Assert.Equal("""["a","b"]""", result["metadata"]!["finalizers"]!.ToJsonString());
        Assert.Equal(
            """[{"name":"app","image":"2","ports":[{"containerPort":80,"name":"http"},{"containerPort":81}]},{"name":"new","image":"n"}]""",
            result["spec"]!["containers"]!.ToJsonString());
        Assert.Equal("""[{"key":"y"}]""", result["spec"]!["tolerations"]!.ToJsonString());
        Assert.Equal("""[{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}]""", result["status"]!["conditions"]!.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_replace_directive_replaces_an_object()
    {
        var result = StrategicMergePatch.Apply(Parse("""{"a":{"b":1,"c":2}}"""), Parse("""{"a":{"$patch":"replace","d":3}}"""));

        Assert.Equal("""{"a":{"d":3}}""", result!.ToJsonString());
    }

    private static JsonNode? Parse(string json) => JsonNode.Parse(json);
}

using System.Net;
using PoolOperator.LocalCluster.Protobuf;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Units;

public sealed class ProtobufTableTests
{
    [Fact]
    public void Every_message_the_table_refers_to_is_in_the_table()
    {
        var table = MessageTable.Embedded;
        string[] roots = ["core.Pod", "core.Service", "apps.Deployment", "batch.Job", "rbac.Role", "authentication.TokenRequest"];

        var seen = new HashSet<string>();
        var queue = new Queue<string>(roots);
        while (queue.TryDequeue(out var message))
        {
            if (!seen.Add(message))
            {
                continue;
            }

            var fields = table.Find(message);
            Assert.True(fields is not null, $"{message} is referred to but not in the table");
            foreach (var field in fields!.Values)
            {
                if (field.Kind == ProtoKind.Msg)
                {
                    queue.Enqueue(field.Type);
                }
                else if (field.Kind == ProtoKind.Map && field.Type.Split(',')[1].Contains('.', StringComparison.Ordinal))
                {
                    queue.Enqueue(field.Type.Split(',')[1]);
                }
            }
        }

        Assert.Equal(("replicas", true), (table.Find("apps.DeploymentSpec")![1].Json, table.Find("apps.DeploymentSpec")![1].Pointer));
        Assert.True(table.Find("core.Volume")![2].Inline);
    }

    [Fact]
    public async Task A_protobuf_body_of_a_kind_the_table_lacks_is_415_naming_it()
    {
        await using var server = await TestCluster.StartAsync();
        using var http = server.CreateHttpClient();
        // k8s\0 magic, then runtime.Unknown { typeMeta (1) { apiVersion (1) "coordination.k8s.io/v1", kind (2) "Lease" } }
        byte[] typeMeta = [0x0a, 22, .. "coordination.k8s.io/v1"u8, 0x12, 5, .. "Lease"u8];
        byte[] body = [0x6b, 0x38, 0x73, 0x00, 0x0a, (byte)typeMeta.Length, .. typeMeta];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/vnd.kubernetes.protobuf");

        using var response = await http.PostAsync("/apis/coordination.k8s.io/v1/namespaces/default/leases", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("coordination.k8s.io/v1 Lease", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

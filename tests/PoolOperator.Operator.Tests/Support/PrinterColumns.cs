using System.Net.Http.Headers;
using System.Text.Json;

namespace PoolOperator.Operator.Tests;

/// <summary>Reads an object's printer columns the way kubectl get does: as a Table from the server.</summary>
internal static class PrinterColumns
{
    public static async Task<Dictionary<string, string>> ReadAsync(TestCluster cluster, string plural, string name)
    {
        using var http = cluster.Server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"apis/{Api.ApiGroup.Group}/{Api.ApiGroup.Version}/namespaces/{TestCluster.Ns}/{plural}/{name}");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var table = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var columns = table.RootElement.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        var cells = table.RootElement.GetProperty("rows")[0].GetProperty("cells").EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.ToString()).ToList();
        return columns.Zip(cells).ToDictionary(p => p.First, p => p.Second);
    }
}

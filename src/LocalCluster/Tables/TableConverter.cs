using System.Globalization;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Tables;

/// <summary>
/// Renders objects as a <c>meta.k8s.io/v1 Table</c> (what <c>kubectl get</c> asks for): NAME, the type's
/// printer columns (a CRD's additionalPrinterColumns), and AGE.
/// </summary>
internal sealed class TableConverter
{
    private readonly TimeProvider _time;

    public TableConverter(TimeProvider time) => _time = time;

    /// <summary>Whether the Accept header asks for a Table.</summary>
    public static bool Wanted(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    /// <summary>A Table of the objects. <paramref name="includeObject"/>: None, Metadata (default) or Object.</summary>
    public JsonObject Convert(ResourceType type, IEnumerable<JsonObject> objects, string? resourceVersion, string? includeObject, string? continueToken = null)
    {
        var columns = Columns(type);
        var definitions = new JsonArray();
        foreach (var column in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type == "date" ? "string" : column.Type,
                ["format"] = column.Format,
                ["description"] = column.Name,
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(Row(columns, obj, includeObject));
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion ?? "" };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static List<PrinterColumn> Columns(ResourceType type)
    {
        var columns = new List<PrinterColumn> { new("Name", "string", ".metadata.name", Format: "name") };
        columns.AddRange(type.PrinterColumns);
        if (!type.PrinterColumns.Any(c => c.JsonPath == ".metadata.creationTimestamp"))
        {
            columns.Add(new PrinterColumn("Age", "date", ".metadata.creationTimestamp"));
        }

        return columns;
    }

    private JsonObject Row(List<PrinterColumn> columns, JsonObject obj, string? includeObject)
    {
        var cells = new JsonArray();
        foreach (var column in columns)
        {
            cells.Add(Cell(column, obj));
        }

        var row = new JsonObject { ["cells"] = cells };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = obj.CloneObject();
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj.Metadata().DeepClone(),
                };
                break;
        }

        return row;
    }

    private JsonNode? Cell(PrinterColumn column, JsonObject obj)
    {
        if (column.Compute is not null)
        {
            return column.Compute(obj);
        }

        var results = SimpleJsonPath.Evaluate(obj, column.JsonPath).Where(r => r is not null).ToList();
        if (results.Count == 0)
        {
            // As the real server: a missing value is a null cell, which kubectl prints as it likes.
            return null;
        }

        if (column.Type == "date")
        {
            var time = JsonNodes.ParseTimestamp(JsonNodes.ScalarText(results[0]));
            return time is null ? "<unknown>" : HumanDuration(_time.GetUtcNow() - time.Value);
        }

        if (results.Count == 1)
        {
            var single = results[0]!;
            return single is JsonValue ? single.DeepClone() : single.ToJsonString();
        }

        return string.Join(",", results.Select(r => JsonNodes.ScalarText(r) ?? r!.ToJsonString()));
    }

    /// <summary>Ages as kubectl prints them: 45s, 3m12s, 25m, 5h10m, 3d4h, 120d.</summary>
    internal static string HumanDuration(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            return "0s";
        }

        var s = (long)age.TotalSeconds;
        string F(long n) => n.ToString(CultureInfo.InvariantCulture);
        if (s < 120)
        {
            return F(s) + "s";
        }

        var m = s / 60;
        if (m < 10)
        {
            return s % 60 == 0 ? F(m) + "m" : F(m) + "m" + F(s % 60) + "s";
        }

        if (m < 180)
        {
            return F(m) + "m";
        }

        var h = m / 60;
        if (h < 8)
        {
            return m % 60 == 0 ? F(h) + "h" : F(h) + "h" + F(m % 60) + "m";
        }

        if (h < 48)
        {
            return F(h) + "h";
        }

        var d = h / 24;
        if (h < 24 * 8)
        {
            return h % 24 == 0 ? F(d) + "d" : F(d) + "d" + F(h % 24) + "h";
        }

        return d < 365 * 2 ? F(d) + "d" : F(d / 365) + "y" + F(d % 365) + "d";
    }
}

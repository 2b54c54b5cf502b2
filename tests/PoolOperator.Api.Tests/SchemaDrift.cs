using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace PoolOperator.Api.Tests;

/// <summary>
/// Compares a C# resource type with a CRD's openAPIV3Schema, field by field, by their JSON names
/// and JSON types, so a field added on one side only is found.
/// </summary>
internal static class SchemaDrift
{
    public static IReadOnlyList<string> Compare(Type type, JsonObject schema)
    {
        var differences = new List<string>();
        Compare(type, schema, "", differences);
        return differences;
    }

    private static void Compare(Type type, JsonObject schema, string path, List<string> differences)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var expected = JsonTypeOf(type);
        var actual = (string?)schema["type"];
        if (expected != actual)
        {
            differences.Add($"{Display(path)}: C# {type.Name} is '{expected}', schema says '{actual ?? "(no type)"}'");
            return;
        }

        if (expected == "array")
        {
            if (schema["items"] is not JsonObject items)
            {
                differences.Add($"{Display(path)}: array without items schema");
                return;
            }

            Compare(ElementType(type), items, path + "[]", differences);
            return;
        }

        if (expected != "object" || type == typeof(V1ObjectMeta))
        {
            // metadata is the API server's to validate; CRDs declare it as a bare object.
            return;
        }

        var csharp = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
            .Where(p => p.Name is not null)
            .ToDictionary(p => p.Name!, p => p.PropertyType, StringComparer.Ordinal);
        var declared = schema["properties"] as JsonObject ?? [];

        foreach (var (name, propertyType) in csharp.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (declared[name] is JsonObject propertySchema)
            {
                Compare(propertyType, propertySchema, path + "." + name, differences);
            }
            else
            {
                differences.Add($"{Display(path + "." + name)}: in the C# type {type.Name} but not in the CRD schema");
            }
        }

        foreach (var (name, _) in declared.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!csharp.ContainsKey(name))
            {
                differences.Add($"{Display(path + "." + name)}: in the CRD schema but not in the C# type {type.Name}");
            }
        }
    }

    private static string Display(string path) => path.Length == 0 ? "(root)" : path.TrimStart('.');

    private static string JsonTypeOf(Type type)
    {
        if (type == typeof(string) || type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return "string";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short))
        {
            return "integer";
        }

        if (type == typeof(bool))
        {
            return "boolean";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "number";
        }

        return typeof(IEnumerable).IsAssignableFrom(type) ? "array" : "object";
    }

    private static Type ElementType(Type type) =>
        type.IsArray
            ? type.GetElementType()!
            : type.GetInterfaces().Append(type)
                .First(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                .GetGenericArguments()[0];
}

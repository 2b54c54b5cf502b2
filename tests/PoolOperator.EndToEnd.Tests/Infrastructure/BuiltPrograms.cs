using System.Reflection;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>The programs the pods run instead of images: the operator and examples/OrdersApi, as built with this project.</summary>
internal static class BuiltPrograms
{
    /// <summary>The operator (what the image ghcr.io/pooloperator/pool-operator runs).</summary>
    public static string Operator => Locate("OperatorProgram");

    /// <summary>examples/OrdersApi (what registry.example.com/orders-api runs).</summary>
    public static string OrdersApi => Locate("OrdersApiProgram");

    /// <summary>The command a process pod runs for <paramref name="program"/>: <c>dotnet "path"</c>.</summary>
    public static string Command(string program) => $"dotnet \"{program}\"";

    private static string Locate(string key)
    {
        var path = typeof(BuiltPrograms).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        return File.Exists(path) ? path : throw new FileNotFoundException($"{key}: {path} is not built (the test project builds it through its project references).", path);
    }
}

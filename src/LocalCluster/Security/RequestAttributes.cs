using Microsoft.AspNetCore.Http;

namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// What a request asks to do, in the terms authorization speaks (the apiserver's <c>RequestInfo</c> and
/// <c>authorizer.Attributes</c>): a verb on a resource (group, resource, subresource, namespace, name) or on a
/// non-resource path. Derived from the URL, the method and the query exactly as the real server derives them.
/// </summary>
internal sealed record RequestAttributes
{
    private static readonly HashSet<string> NamespaceSubresources = new(StringComparer.Ordinal) { "status", "finalize" };

    public required UserInfo User { get; init; }

    public required string Verb { get; init; }

    public required string Path { get; init; }

    public bool IsResourceRequest { get; init; }

    public string ApiGroup { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Subresource { get; init; } = "";

    public string Namespace { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>Resource and subresource as RBAC rules name them: <c>connectiongrants/status</c>.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;

    /// <summary>Parses a request as <c>RequestInfoFactory.NewRequestInfo</c> does.</summary>
    public static RequestAttributes From(HttpContext context, UserInfo user)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var method = request.Method.ToUpperInvariant();
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var nonResource = new RequestAttributes { User = user, Verb = method.ToLowerInvariant(), Path = path };
        if (parts.Length < 3 || parts[0] is not ("api" or "apis"))
        {
            return nonResource;
        }

        var rest = parts.AsSpan(1);
        var group = "";
        if (parts[0] == "apis")
        {
            if (rest.Length < 3)
            {
                return nonResource;
            }

            group = rest[0];
            rest = rest[1..];
        }

        rest = rest[1..]; // the version
        var verb = method switch
        {
            "POST" => "create",
            "GET" or "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        };
        var ns = "";
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            if (rest.Length > 2 && !NamespaceSubresources.Contains(rest[2]))
            {
                rest = rest[2..];
            }
        }

        var resource = rest.Length >= 1 ? rest[0] : "";
        var name = rest.Length >= 2 ? rest[1] : "";
        var subresource = rest.Length >= 3 ? rest[2] : "";
        if (name.Length == 0 && verb == "get")
        {
            verb = IsWatch(request.Query["watch"].FirstOrDefault()) ? "watch" : "list";
            name = NameFromFieldSelector(request.Query["fieldSelector"].FirstOrDefault()) ?? "";
        }

        if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new RequestAttributes
        {
            User = user,
            Verb = verb,
            Path = path,
            IsResourceRequest = true,
            ApiGroup = group,
            Resource = resource,
            Subresource = subresource,
            Namespace = ns,
            Name = name,
        };
    }

    private static bool IsWatch(string? value) => value is not null && value.ToLowerInvariant() is not ("false" or "0");

    /// <summary>
    /// A list or watch whose field selector requires <c>metadata.name</c> to equal one name is a request for that
    /// name, so <c>resourceNames</c> can allow it (as <c>RequiresExactMatch</c> and <c>IsPathSegmentName</c> decide).
    /// </summary>
    private static string? NameFromFieldSelector(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return null;
        }

        foreach (var raw in selector.Split(','))
        {
            var term = raw.Trim();
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                continue;
            }

            var equal = term.IndexOf('=', StringComparison.Ordinal);
            if (equal > 0 && term[..equal].Trim() == "metadata.name")
            {
                var name = term[(equal + 1)..].TrimStart('=').Trim();
                return name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal) ? null : name;
            }
        }

        return null;
    }
}

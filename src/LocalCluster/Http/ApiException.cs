using System.Text.Json.Nodes;

namespace PoolOperator.LocalCluster.Http;

/// <summary>A request failure that the server answers with a <c>metav1.Status</c> of the given code and reason.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>HTTP status code.</summary>
    public int Code { get; }

    /// <summary>Machine-readable reason (NotFound, AlreadyExists, Conflict, Invalid, ...).</summary>
    public string Reason { get; }

    /// <summary>The Status <c>details</c> (name, group, kind, causes).</summary>
    public JsonObject? Details { get; }

    /// <summary>The Status object the server writes for this failure.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Details?.DeepClone());

    /// <summary>A Failure Status.</summary>
    public static JsonObject Status(int code, string reason, string message, JsonNode? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    private static JsonObject NameDetails(string group, string plural, string? name)
    {
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = plural;
        return details;
    }

    public static ApiException NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{Qualified(group, plural)} \"{name}\" not found", NameDetails(group, plural, name));

    public static ApiException AlreadyExists(string group, string plural, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, plural)} \"{name}\" already exists", NameDetails(group, plural, name));

    public static ApiException Conflict(string group, string plural, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, plural)} \"{name}\": {why}", NameDetails(group, plural, name));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    /// <summary>
    /// The denial the real server writes (<c>responsewriters.ForbiddenStatusError</c> and <c>NewForbidden</c>):
    /// <c>connectiongrants.pooloperator.io "x" is forbidden: User "u" cannot patch resource "connectiongrants/status"
    /// in API group "pooloperator.io" in the namespace "ns"</c>, details naming the resource without its subresource.
    /// </summary>
    public static ApiException Forbidden(Security.RequestAttributes request, string reason)
    {
        string what;
        if (!request.IsResourceRequest)
        {
            what = $"User \"{request.User.Name}\" cannot {request.Verb} path \"{request.Path}\"";
        }
        else if (request.Namespace.Length > 0)
        {
            what = $"User \"{request.User.Name}\" cannot {request.Verb} resource \"{request.CombinedResource}\" in API group \"{request.ApiGroup}\" in the namespace \"{request.Namespace}\"";
        }
        else
        {
            what = $"User \"{request.User.Name}\" cannot {request.Verb} resource \"{request.CombinedResource}\" in API group \"{request.ApiGroup}\" at the cluster scope";
        }

        what = what.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
        if (reason.Length > 0)
        {
            what += ": " + reason;
        }

        var details = new JsonObject();
        if (request.Name.Length > 0)
        {
            details["name"] = request.Name;
        }

        if (request.ApiGroup.Length > 0)
        {
            details["group"] = request.ApiGroup;
        }

        if (request.Resource.Length > 0)
        {
            details["kind"] = request.Resource;
        }

        string message;
        if (!request.IsResourceRequest || request.Resource.Length == 0)
        {
            message = "forbidden: " + what;
        }
        else
        {
            var qualified = Qualified(request.ApiGroup, request.Resource);
            message = request.Name.Length == 0 ? $"{qualified} is forbidden: {what}" : $"{qualified} \"{request.Name}\" is forbidden: {what}";
        }

        return new ApiException(403, "Forbidden", message, details);
    }

    /// <summary>422 Invalid with one cause per field error, worded as the real API server words them.</summary>
    public static ApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Detail, ["field"] = error.Field });
        }

        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        details["causes"] = causes;
        var qualifiedKind = group.Length == 0 ? kind : kind + "." + group;
        var summary = errors.Count == 1
            ? errors[0].ToString()
            : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    private static string Qualified(string group, string plural) => group.Length == 0 ? plural : plural + "." + group;
}

/// <summary>One validation failure at a field path (<c>spec.workloads[0].weight</c>).</summary>
/// <param name="Field">The field path.</param>
/// <param name="Reason">FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate, FieldValueTypeInvalid.</param>
/// <param name="Detail">What is wrong, e.g. <c>Invalid value: 5: must be at most 3</c>.</param>
internal sealed record FieldError(string Field, string Reason, string Detail)
{
    public override string ToString() => $"{Field}: {Detail}";

    public static FieldError Invalid(string field, JsonNode? value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: {Render(value)}: {why}");

    public static FieldError Required(string field) => new(field, "FieldValueRequired", "Required value");

    public static FieldError TooLong(string field, int limit) =>
        new(field, "FieldValueTooLong", $"Too long: may not be more than {limit} bytes");

    public static FieldError TypeInvalid(string field, JsonNode? value, string expected) =>
        new(field, "FieldValueTypeInvalid", $"Invalid value: {Render(value)}: {field} in body must be of type {expected}: \"{TypeName(value)}\"");

    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> allowed) =>
        new(field, "FieldValueNotSupported", $"Unsupported value: {Render(value)}: supported values: {string.Join(", ", allowed)}");

    private static string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => "\"" + v.GetValue<string>() + "\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ => value.ToJsonString(),
    };

    private static string TypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => v.ToJsonString().Contains('.', StringComparison.Ordinal) ? "number" : "integer",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "unknown",
    };
}

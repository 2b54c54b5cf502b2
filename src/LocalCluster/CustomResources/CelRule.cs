using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.CustomResources;

/// <summary>
/// One <c>x-kubernetes-validations</c> rule, compiled once when its CRD is posted.
/// Rules that mention <c>oldSelf</c> are transition rules: they run only on updates where the old value exists.
/// </summary>
internal sealed partial class CelRule
{
    // The CEL environment compiles to delegates; compiling is not documented as thread-safe, so it is serialized.
    private static readonly Lock CompileGate = new();
    private static readonly CelEnvironment Environment = new([], "");

    private readonly CelProgramDelegate _program;
    private readonly CelProgramDelegate? _messageProgram;

    private CelRule(string rule, CelProgramDelegate program, string? message, CelProgramDelegate? messageProgram, string? reason, string? fieldPath)
    {
        Rule = rule;
        _program = program;
        Message = message;
        _messageProgram = messageProgram;
        Reason = reason ?? "FieldValueInvalid";
        FieldPath = fieldPath;
        IsTransition = OldSelfReference().IsMatch(rule);
    }

    /// <summary>The CEL expression, which must evaluate to true.</summary>
    public string Rule { get; }

    /// <summary>Static message shown when the rule fails.</summary>
    public string? Message { get; }

    /// <summary>Reason of the field error: FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired, FieldValueDuplicate.</summary>
    public string Reason { get; }

    /// <summary>Relative path (<c>.reservedConnections</c>) the error is reported at, instead of the rule's node.</summary>
    public string? FieldPath { get; }

    /// <summary>Whether the rule compares with the previous value.</summary>
    public bool IsTransition { get; }

    /// <summary>Parses and compiles the rules at one schema node; a rule that does not compile is a <see cref="FormatException"/>.</summary>
    public static IReadOnlyList<CelRule> ParseAll(JsonArray? rules, string schemaPath)
    {
        if (rules is null)
        {
            return [];
        }

        var result = new List<CelRule>();
        for (var i = 0; i < rules.Count; i++)
        {
            var spec = rules[i] as JsonObject;
            var rule = spec.GetString("rule");
            if (string.IsNullOrWhiteSpace(rule))
            {
                throw new FormatException($"{schemaPath}.x-kubernetes-validations[{i}].rule: Required value");
            }

            var messageExpression = spec.GetString("messageExpression");
            result.Add(new CelRule(
                rule,
                Compile(rule, $"{schemaPath}.x-kubernetes-validations[{i}].rule"),
                spec.GetString("message"),
                string.IsNullOrWhiteSpace(messageExpression) ? null : Compile(messageExpression, $"{schemaPath}.x-kubernetes-validations[{i}].messageExpression"),
                spec.GetString("reason"),
                spec.GetString("fieldPath")));
        }

        return result;
    }

    /// <summary>
    /// Evaluates the rule. Returns null when it holds, otherwise the message to report
    /// (an evaluation error, such as reading an absent field without <c>has()</c>, fails the rule as the real server does).
    /// </summary>
    public string? Evaluate(JsonNode value, SchemaNode schema, JsonNode? oldValue)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal) { ["self"] = CelValues.From(value, schema) };
        if (oldValue is not null)
        {
            variables["oldSelf"] = CelValues.From(oldValue, schema);
        }

        try
        {
            if (_program.Invoke(variables!) is true)
            {
                return null;
            }
        }
        catch (CelException ex)
        {
            return $"{Message ?? "failed rule: " + Rule}: {ex.Message}";
        }

        if (Message is not null)
        {
            return Message;
        }

        if (_messageProgram is not null)
        {
            try
            {
                if (_messageProgram.Invoke(variables!) is string text && text.Length > 0)
                {
                    return text;
                }
            }
            catch (CelException)
            {
                // The real server falls back to the rule text when messageExpression fails.
            }
        }

        return "failed rule: " + Rule;
    }

    private static CelProgramDelegate Compile(string expression, string where)
    {
        try
        {
            lock (CompileGate)
            {
                return Environment.Compile(expression);
            }
        }
        catch (Exception ex) when (ex is CelException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"{where}: Invalid value: \"{expression}\": compilation failed: {ex.Message}", ex);
        }
    }

    [GeneratedRegex(@"\boldSelf\b")]
    private static partial Regex OldSelfReference();
}

/// <summary>Converts JSON values to the CLR values the CEL package evaluates: maps, arrays, long, double, string, bool.</summary>
internal static class CelValues
{
    public static object? From(JsonNode? node, SchemaNode? schema) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(
            p => p.Key,
            p => From(p.Value, schema?.Properties.GetValueOrDefault(p.Key) ?? schema?.AdditionalProperties),
            StringComparer.Ordinal),
        JsonArray array => array.Select(item => From(item, schema?.Items)).ToArray(),
        JsonValue value => Scalar(value, schema),
        _ => null,
    };

    private static object? Scalar(JsonValue value, SchemaNode? schema)
    {
        switch (value.GetValueKind())
        {
            case System.Text.Json.JsonValueKind.String:
                return value.GetValue<string>();
            case System.Text.Json.JsonValueKind.True:
                return true;
            case System.Text.Json.JsonValueKind.False:
                return false;
            case System.Text.Json.JsonValueKind.Number:
                if (schema?.Type != "number" && JsonNodes.Int64(value) is { } integer)
                {
                    return integer;
                }

                return value.GetValue<double>();
            default:
                return null;
        }
    }
}

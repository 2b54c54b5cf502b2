using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// The real server's ObjectMeta validation for every object, custom resources included
/// (<c>ValidateLabels</c>, <c>ValidateAnnotations</c>): label keys and annotation keys are qualified names
/// (an optional DNS-subdomain prefix and <c>/</c>, then at most 63 characters), label values at most 63
/// characters of the label alphabet, annotations at most 256 KiB in total. Worded as the apiserver words them.
/// </summary>
internal static partial class MetadataRules
{
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFormat = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
    private const string SubdomainFormat = @"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

    public static List<FieldError> Validate(JsonObject meta)
    {
        var errors = new List<FieldError>();
        if (meta["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                errors.AddRange(QualifiedName("metadata.labels", key));
                var text = JsonNodes.ScalarText(value) ?? "";
                if (text.Length > 63)
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text, "must be no more than 63 characters"));
                }

                if (!LabelValue().IsMatch(text))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text,
                        $"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LabelValueFormat}')"));
                }
            }
        }

        if (meta["annotations"] is JsonObject annotations)
        {
            long total = 0;
            foreach (var (key, value) in annotations)
            {
                errors.AddRange(QualifiedName("metadata.annotations", key.ToLowerInvariant()));
                total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(JsonNodes.ScalarText(value) ?? "");
            }

            if (total > TotalAnnotationSizeLimit)
            {
                errors.Add(FieldError.TooLong("metadata.annotations", TotalAnnotationSizeLimit));
            }
        }

        return errors;
    }

    /// <summary><c>IsQualifiedName</c>: <c>[prefix/]name</c>.</summary>
    private static IEnumerable<FieldError> QualifiedName(string field, string key)
    {
        var parts = key.Split('/');
        string name;
        if (parts.Length == 1)
        {
            name = parts[0];
        }
        else if (parts.Length == 2)
        {
            var prefix = parts[0];
            name = parts[1];
            if (prefix.Length == 0)
            {
                yield return FieldError.Invalid(field, key, "prefix part must be non-empty");
            }
            else
            {
                if (prefix.Length > 253)
                {
                    yield return FieldError.Invalid(field, key, "prefix part must be no more than 253 characters");
                }

                if (!Subdomain().IsMatch(prefix))
                {
                    yield return FieldError.Invalid(field, key,
                        $"prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SubdomainFormat}')");
                }
            }
        }
        else
        {
            yield return FieldError.Invalid(field, key,
                $"a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QualifiedNameFormat}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            yield break;
        }

        if (name.Length == 0)
        {
            yield return FieldError.Invalid(field, key, "name part must be non-empty");
            yield break;
        }

        if (name.Length > 63)
        {
            yield return FieldError.Invalid(field, key, "name part must be no more than 63 characters");
        }

        if (!QualifiedNamePart().IsMatch(name))
        {
            yield return FieldError.Invalid(field, key,
                $"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QualifiedNameFormat}')");
        }
    }

    [GeneratedRegex("^" + QualifiedNameFormat + "$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^" + LabelValueFormat + "$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^" + SubdomainFormat + "$")]
    private static partial Regex Subdomain();
}

using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>Name rules as the real server's: DNS subdomains for most objects, RFC 1123 labels for namespaces, DNS-1035 labels for services, path segments for RBAC; generateName suffixes.</summary>
internal static partial class ObjectNames
{
    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Appends five random characters, as the real server does for <c>generateName</c>.</summary>
    public static string Generate(string prefix)
    {
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = SuffixAlphabet[RandomNumberGenerator.GetInt32(SuffixAlphabet.Length)];
        }

        return prefix + new string(suffix);
    }

    /// <summary>The problems with a name, as field errors on <c>metadata.name</c>; empty when valid.</summary>
    public static IReadOnlyList<FieldError> Validate(ResourceType type, string name)
    {
        if (type.Group == "rbac.authorization.k8s.io")
        {
            return name is "." or ".." || name.IndexOfAny(['/', '%']) >= 0
                ? [FieldError.Invalid("metadata.name", name, "may not contain '/' or '%' and may not be '.' or '..'")]
                : [];
        }

        var errors = new List<FieldError>();
        if (type.Group.Length == 0 && type.Plural == "namespaces")
        {
            if (name.Length > 63)
            {
                errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 63 characters"));
            }

            if (!DnsLabel().IsMatch(name))
            {
                errors.Add(FieldError.Invalid("metadata.name", name,
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
            }

            return errors;
        }

        if (type.Group.Length == 0 && type.Plural == "services")
        {
            if (name.Length > 63)
            {
                errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 63 characters"));
            }

            if (!Dns1035Label().IsMatch(name))
            {
                errors.Add(FieldError.Invalid("metadata.name", name,
                    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"));
            }

            return errors;
        }

        if (name.Length > 253)
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be no more than 253 characters"));
        }

        if (!DnsSubdomain().IsMatch(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", name,
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
        }

        return errors;
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}

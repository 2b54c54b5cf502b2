using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>Name rules: DNS subdomains for most objects, DNS labels for namespaces, path segments for RBAC; generateName suffixes.</summary>
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

        if (type.Group.Length == 0 && type.Plural == "namespaces")
        {
            return name.Length <= 63 && DnsLabel().IsMatch(name)
                ? []
                : [FieldError.Invalid("metadata.name", name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character")];
        }

        return name.Length <= 253 && DnsSubdomain().IsMatch(name)
            ? []
            : [FieldError.Invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")];
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}

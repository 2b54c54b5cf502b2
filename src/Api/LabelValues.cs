using System.Security.Cryptography;
using System.Text;

namespace PoolOperator.Api;

/// <summary>
/// Object names may be 253 characters long, label values only 63 (the API server refuses longer ones). Names
/// that fit are kept as they are, so selectors and <c>kubectl get -l</c> stay readable; longer ones keep a prefix
/// and end in a hash of the whole name, so two long names that share the prefix still differ.
/// </summary>
public static class LabelValues
{
    /// <summary>The API server's limit on a label value.</summary>
    public const int MaxLength = 63;

    private const int HashLength = 10;

    /// <summary>Returns <paramref name="name"/> when it is a valid label value length, else prefix + '-' + hash.</summary>
    public static string Fit(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length <= MaxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashLength];

        // The prefix must end in an alphanumeric character to stay a valid label value.
        var prefix = name[..(MaxLength - HashLength - 1)].TrimEnd('-', '.', '_');
        return prefix + "-" + hash;
    }
}

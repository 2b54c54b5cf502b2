using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// A short, stable hash of a pod template: pods made from an older template are recognised by it,
/// which is what a rolling update replaces.
/// </summary>
internal static class TemplateHash
{
    // The alphabet Kubernetes uses for generated name suffixes: no vowels, so no words, and no look-alikes.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Ten characters derived from the template's JSON.</summary>
    public static string Of(V1PodTemplateSpec? template)
    {
        var json = template is null ? "{}" : KubernetesJson.Serialize(template);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(json));
        return Encode(digest.AsSpan(0, 10));
    }

    /// <summary>Five random characters from the same alphabet, for a unique pod name.</summary>
    public static string RandomSuffix()
    {
        Span<byte> bytes = stackalloc byte[5];
        RandomNumberGenerator.Fill(bytes);
        return Encode(bytes);
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            builder.Append(Alphabet[b % Alphabet.Length]);
        }

        return builder.ToString();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Autorest;
using PoolOperator.Api;

namespace PoolOperator.Operator.ServerDiscovery;

/// <summary>
/// Resolves a budget's serverRef to the server's limits: reads the Secret, connects, and keeps the
/// result for a short while so that a reconcile storm does not become a connection storm.
/// </summary>
public sealed class ServerLimitsSource
{
    private readonly IKubernetes client;
    private readonly TimeProvider time;
    private readonly TimeSpan cacheDuration;
    private readonly ConcurrentDictionary<string, (ServerLimits Limits, DateTimeOffset ReadAt)> cache = new(StringComparer.Ordinal);

    /// <summary>Creates the source.</summary>
    public ServerLimitsSource(IKubernetes client, TimeProvider time, TimeSpan cacheDuration)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.cacheDuration = cacheDuration;
    }

    /// <summary>The limits of the server named by <paramref name="serverRef"/> in <paramref name="namespaceName"/>.</summary>
    /// <exception cref="ServerDiscoveryException">When the Secret or the server cannot be read.</exception>
    public async Task<ServerLimits> GetAsync(string namespaceName, ServerRef serverRef, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverRef);
        var connectionString = await ReadConnectionStringAsync(namespaceName, serverRef, cancellationToken);

        // Keyed by a hash of the string, so a rotated secret is read afresh and no secret sits in a key.
        var key = namespaceName + "/" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(connectionString)));
        var now = time.GetUtcNow();
        if (cache.TryGetValue(key, out var hit) && now - hit.ReadAt < cacheDuration)
        {
            return hit.Limits;
        }

        var limits = await ServerLimitsReader.ReadAsync(connectionString, TimeSpan.FromSeconds(5), cancellationToken);
        cache[key] = (limits, now);
        return limits;
    }

    private async Task<string> ReadConnectionStringAsync(string namespaceName, ServerRef serverRef, CancellationToken cancellationToken)
    {
        k8s.Models.V1Secret secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(serverRef.SecretName, namespaceName, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ServerDiscoveryException("SecretNotFound", $"Secret {namespaceName}/{serverRef.SecretName} named by spec.serverRef.secretName does not exist.", ex);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new ServerDiscoveryException("SecretForbidden", $"The operator may not read Secret {namespaceName}/{serverRef.SecretName}: {ex.Response.Content}", ex);
        }

        if (secret.Data?.TryGetValue(serverRef.Key, out var bytes) == true && bytes is { Length: > 0 })
        {
            return Encoding.UTF8.GetString(bytes);
        }

        if (secret.StringData?.TryGetValue(serverRef.Key, out var text) == true && !string.IsNullOrEmpty(text))
        {
            return text;
        }

        throw new ServerDiscoveryException("SecretKeyMissing", $"Secret {namespaceName}/{serverRef.SecretName} has no key '{serverRef.Key}' (spec.serverRef.key).");
    }
}

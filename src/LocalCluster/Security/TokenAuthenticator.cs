using System.Collections.Concurrent;
using System.Security.Cryptography;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// Bearer tokens and the identities they stand for: the admin token of the default kubeconfig, and the
/// ServiceAccount tokens TokenRequest issues. A ServiceAccount token is bound to the account's UID, as the real
/// server's bound tokens are: once the account is deleted (or recreated with a new UID) the token stops working.
/// Tokens are opaque random strings, not JWTs: no client parses them.
/// </summary>
internal sealed class TokenAuthenticator
{
    private const string ServiceAccounts = "/serviceaccounts";

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;

    public TokenAuthenticator(ObjectStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
        AdminToken = NewToken("admin");
        _tokens[AdminToken] = new IssuedToken(UserInfo.Admin, null, null, null, null);
    }

    /// <summary>The token of <see cref="UserInfo.Admin"/>; it never expires.</summary>
    public string AdminToken { get; }

    /// <summary>
    /// Issues a token for a ServiceAccount. When the account exists the token is bound to its UID; when
    /// <paramref name="lifetime"/> is null it never expires.
    /// </summary>
    public string Issue(string ns, string serviceAccount, TimeSpan? lifetime, out DateTimeOffset? expires)
    {
        string? uid;
        lock (_store.Gate)
        {
            uid = _store.Get(ServiceAccounts, ns, serviceAccount)?.Uid();
        }

        expires = lifetime is { } l ? _time.GetUtcNow() + l : null;
        var token = NewToken("sa");
        _tokens[token] = new IssuedToken(UserInfo.ServiceAccount(ns, serviceAccount), expires, ns, serviceAccount, uid);
        return token;
    }

    /// <summary>The identity of an <c>Authorization</c> header's bearer token; null when absent, unknown, expired or unbound.</summary>
    public UserInfo? Authenticate(string? authorization)
    {
        const string Bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization[Bearer.Length..].Trim();
        if (!_tokens.TryGetValue(token, out var issued))
        {
            return null;
        }

        if (issued.Expires is { } expires && _time.GetUtcNow() >= expires)
        {
            _tokens.TryRemove(token, out _);
            return null;
        }

        if (issued.BoundUid is { } uid)
        {
            lock (_store.Gate)
            {
                if (_store.Get(ServiceAccounts, issued.Namespace, issued.ServiceAccount!)?.Uid() != uid)
                {
                    return null;
                }
            }
        }

        return issued.User;
    }

    private static string NewToken(string prefix) =>
        $"poolop-{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}";

    private sealed record IssuedToken(UserInfo User, DateTimeOffset? Expires, string? Namespace, string? ServiceAccount, string? BoundUid);
}

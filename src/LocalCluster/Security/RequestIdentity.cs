using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Http;

namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// Authentication of one request: the bearer token names the user, who is kept on the request for authorization
/// and the audit record. As on a real cluster with anonymous access on (the default), a request without a token
/// may read only what <c>system:public-info-viewer</c> allows (health and version); everything else, and any
/// request whose token is unknown or expired, is answered 401 Unauthorized.
/// </summary>
internal static class RequestIdentity
{
    private const string ItemKey = "poolop.user";

    /// <summary>The user of an authenticated request (set by <see cref="Authenticate"/>).</summary>
    public static UserInfo User(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var user) && user is UserInfo u ? u : throw new InvalidOperationException("request was not authenticated");

    /// <summary>Establishes the request's user, or throws 401.</summary>
    public static UserInfo Authenticate(HttpContext context, TokenAuthenticator tokens, bool publicInfo)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var user = header.Length == 0 && publicInfo
            ? new UserInfo("system:anonymous", ["system:unauthenticated"])
            : tokens.Authenticate(header) ?? throw new ApiException(401, "Unauthorized", "Unauthorized");
        context.Items[ItemKey] = user;
        return user;
    }
}

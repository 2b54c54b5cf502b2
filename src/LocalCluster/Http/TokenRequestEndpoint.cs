using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Security;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Http;

/// <summary>
/// <c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>: an <c>authentication.k8s.io/v1 TokenRequest</c>
/// answered with a token for the ServiceAccount (<c>kubectl create token</c>, <c>CreateNamespacedServiceAccountToken</c>).
/// Defaults and limits as the real server: one hour when no duration is asked for, at least ten minutes, at most 2^32 seconds.
/// </summary>
internal sealed class TokenRequestEndpoint
{
    /// <summary>The audience a kind cluster's API server issues tokens for.</summary>
    public const string DefaultAudience = "https://kubernetes.default.svc.cluster.local";

    private const long DefaultExpirationSeconds = 3600;
    private const long MinExpirationSeconds = 600;
    private const long MaxExpirationSeconds = 1L << 32;

    private readonly ObjectStore _store;
    private readonly TokenAuthenticator _tokens;
    private readonly TimeProvider _time;

    public TokenRequestEndpoint(ObjectStore store, TokenAuthenticator tokens, TimeProvider time)
    {
        _store = store;
        _tokens = tokens;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context, ApiPath path)
    {
        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({context.Request.Method} serviceaccounts/token)");
        }

        var ns = path.Namespace!;
        var name = path.Name!;
        var request = await RequestBodies.ReadObjectAsync(context);
        lock (_store.Gate)
        {
            if (_store.Get(path.Type.StorageKey, ns, name) is null)
            {
                throw ApiException.NotFound("", "serviceaccounts", name);
            }
        }

        var spec = request["spec"] as JsonObject ?? [];
        var seconds = JsonNodes.Int64(spec["expirationSeconds"]) ?? DefaultExpirationSeconds;
        if (seconds < MinExpirationSeconds)
        {
            throw Invalid(name, FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        }

        if (seconds > MaxExpirationSeconds)
        {
            throw Invalid(name, FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
        }

        var audiences = spec["audiences"] is JsonArray { Count: > 0 } asked ? asked.DeepClone() : new JsonArray(DefaultAudience);
        var token = _tokens.Issue(ns, name, TimeSpan.FromSeconds(seconds), out var expires);
        var answer = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = JsonNodes.Timestamp(_time.GetUtcNow()) },
            ["spec"] = new JsonObject
            {
                ["audiences"] = audiences,
                ["expirationSeconds"] = seconds,
                ["boundObjectRef"] = spec["boundObjectRef"]?.DeepClone(),
            },
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = JsonNodes.Timestamp(expires!.Value) },
        };
        await Responses.WriteJsonAsync(context, answer, 201);
    }

    private static ApiException Invalid(string name, FieldError error) =>
        ApiException.Invalid("authentication.k8s.io", "TokenRequest", name, [error]);
}

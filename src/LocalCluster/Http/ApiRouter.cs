using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PoolOperator.LocalCluster.Discovery;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Security;

namespace PoolOperator.LocalCluster.Http;

/// <summary>
/// The single request handler: routes discovery, OpenAPI and resource URLs, and turns failures into Status answers.
/// </summary>
internal sealed partial class ApiRouter
{
    private readonly ResourceRegistry _registry;
    private readonly DiscoveryDocuments _discovery;
    private readonly OpenApiDocuments _openApi;
    private readonly ResourceEndpoints _resources;
    private readonly TokenAuthenticator _tokens;
    private readonly RbacAuthorizer _authorizer;
    private readonly AuditLog _audit;
    private readonly ILogger _logger;

    public ApiRouter(
        ResourceRegistry registry, DiscoveryDocuments discovery, OpenApiDocuments openApi, ResourceEndpoints resources,
        TokenAuthenticator tokens, RbacAuthorizer authorizer, AuditLog audit, ILogger logger)
    {
        _tokens = tokens;
        _authorizer = authorizer;
        _audit = audit;
        _registry = registry;
        _discovery = discovery;
        _openApi = openApi;
        _resources = resources;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        LogRequest(_logger, context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? "");
        try
        {
            var user = RequestIdentity.Authenticate(context, _tokens, publicInfo: segments is ["healthz" or "livez" or "readyz" or "version", ..]);
            Authorize(context, RequestAttributes.From(context, user));
            await RouteAsync(context, segments);
        }
        catch (ApiException ex)
        {
            LogRefused(_logger, context.Request.Method, context.Request.Path.Value ?? "/", ex.Code, ex.Message);
            if (!context.Response.HasStarted)
            {
                await Responses.WriteErrorAsync(context, ex);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
#pragma warning disable CA1031 // A bug in one request must answer 500, not take the server down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(_logger, ex, context.Request.Method, context.Request.Path.Value ?? "/");
            if (!context.Response.HasStarted)
            {
                await Responses.WriteErrorAsync(context, new ApiException(500, "InternalError", "Internal error occurred: " + ex.Message));
            }
        }
    }

    /// <summary>Records the request in the audit log when its answer starts (a watch: when its stream opens), then allows it or throws 403.</summary>
    private void Authorize(HttpContext context, RequestAttributes request)
    {
        context.Response.OnStarting(() =>
        {
            _audit.Record(request, context.Response.StatusCode);
            return Task.CompletedTask;
        });
        var (allowed, reason) = _authorizer.Authorize(request);
        if (!allowed)
        {
            throw ApiException.Forbidden(request, reason);
        }
    }

    private async Task RouteAsync(HttpContext context, string[] s)
    {
        var accept = context.Request.Headers.Accept.ToString();
        switch (s)
        {
            case ["version"]:
                await Responses.WriteJsonAsync(context, DiscoveryDocuments.Version());
                return;
            case ["healthz" or "livez" or "readyz"]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case ["api"]:
                if (DiscoveryDocuments.WantsAggregated(accept))
                {
                    await Responses.WriteJsonAsync(context, _discovery.Aggregated(core: true), contentType: DiscoveryDocuments.AggregatedContentType);
                }
                else
                {
                    await Responses.WriteJsonAsync(context, DiscoveryDocuments.CoreVersions(context.Request.Host.Value ?? "127.0.0.1"));
                }

                return;
            case ["apis"]:
                if (DiscoveryDocuments.WantsAggregated(accept))
                {
                    await Responses.WriteJsonAsync(context, _discovery.Aggregated(core: false), contentType: DiscoveryDocuments.AggregatedContentType);
                }
                else
                {
                    await Responses.WriteJsonAsync(context, _discovery.Groups());
                }

                return;
            case ["api", "v1"]:
                await Responses.WriteJsonAsync(context, _discovery.ResourceList("", "v1"));
                return;
            case ["apis", var group]:
                await Responses.WriteJsonAsync(context, _discovery.GroupDocument(group) ?? throw NotFound());
                return;
            case ["apis", var group, var version] when _registry.ServesGroupVersion(group, version):
                await Responses.WriteJsonAsync(context, _discovery.ResourceList(group, version));
                return;
            case ["openapi", "v2"]:
                if (OpenApiV2Document.WantsProtobuf(accept))
                {
                    var bytes = OpenApiV2Document.Protobuf();
                    context.Response.ContentType = OpenApiV2Document.ProtobufContentType;
                    context.Response.ContentLength = bytes.Length;
                    await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
                }
                else
                {
                    await Responses.WriteJsonAsync(context, OpenApiV2Document.Json());
                }

                return;
            case ["openapi", "v3"]:
                await Responses.WriteJsonAsync(context, _openApi.Index());
                return;
            case ["openapi", "v3", "api", var version]:
                await Responses.WriteJsonAsync(context, _openApi.GroupVersion("", version) ?? throw NotFound());
                return;
            case ["openapi", "v3", "apis", var group, var version]:
                await Responses.WriteJsonAsync(context, _openApi.GroupVersion(group, version) ?? throw NotFound());
                return;
            case ["api", "v1", .. var rest]:
                await _resources.HandleAsync(context, ApiPath.Parse(_registry, "", "v1", rest) ?? throw NotFound());
                return;
            case ["apis", var group, var version, .. var rest]:
                await _resources.HandleAsync(context, ApiPath.Parse(_registry, group, version, rest) ?? throw NotFound());
                return;
            default:
                throw NotFound();
        }
    }

    private static ApiException NotFound() => new(404, "NotFound", "the server could not find the requested resource");

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}{Query}")]
    private static partial void LogRequest(ILogger logger, string method, string path, string query);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} answered {Code}: {Message}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int code, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string path);
}

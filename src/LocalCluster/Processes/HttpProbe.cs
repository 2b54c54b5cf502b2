using System.Globalization;
using System.Net.Sockets;
using k8s.Models;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// Runs one probe against a pod's address, as the kubelet does: <c>httpGet</c> succeeds on a status from
/// 200 to 399 (redirects are not followed), <c>tcpSocket</c> when a connection opens; both within
/// <c>timeoutSeconds</c>. <c>exec</c> and <c>grpc</c> probes are not run by the local cluster and count as passing.
/// </summary>
internal static class HttpProbe
{
    // No proxy: a probe goes straight to the pod's loopback address whatever HTTP_PROXY says.
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>True when the probe passes.</summary>
    public static async Task<bool> CheckAsync(V1Probe probe, V1Container container, string podIp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(container);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1)));
        try
        {
            if (probe.HttpGet is { } get)
            {
                return ResolvePort(get.Port, container) is { } port && await GetAsync(get, podIp, port, timeout.Token).ConfigureAwait(false);
            }

            if (probe.TcpSocket is { } tcp)
            {
                if (ResolvePort(tcp.Port, container) is not { } port)
                {
                    return false;
                }

                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host, port, timeout.Token).ConfigureAwait(false);
                return true;
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A probe's port: a number, or the name of one of the container's ports; null when neither.</summary>
    public static int? ResolvePort(IntOrString? port, V1Container container)
    {
        var value = port?.Value;
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return container?.Ports?.FirstOrDefault(p => string.Equals(p.Name, value, StringComparison.Ordinal))?.ContainerPort;
    }

    private static async Task<bool> GetAsync(V1HTTPGetAction get, string podIp, int port, CancellationToken cancellationToken)
    {
        var scheme = string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var host = string.IsNullOrEmpty(get.Host) ? podIp : get.Host;
        var path = string.IsNullOrEmpty(get.Path) ? "/" : get.Path.StartsWith('/') ? get.Path : "/" + get.Path;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}"));
        request.Headers.UserAgent.ParseAdd("kube-probe/1.34");
        foreach (var header in get.HttpHeaders ?? [])
        {
            request.Headers.Remove(header.Name);
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var code = (int)response.StatusCode;
        return code is >= 200 and < 400;
    }
}

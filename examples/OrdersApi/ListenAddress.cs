namespace PoolOperator.Examples.OrdersApi;

/// <summary>
/// Where the service listens. <c>ASPNETCORE_URLS</c> (or <c>--urls</c>) wins; otherwise the pod's own IP
/// (<c>POD_IP</c>, from the downward API's <c>status.podIP</c>) on <c>ORDERSAPI_PORT</c> (default 8080),
/// so that pods sharing one host (the local cluster runs them as processes) never fight over a port;
/// with neither, every interface.
/// </summary>
public static class ListenAddress
{
    /// <summary>The port when <c>ORDERSAPI_PORT</c> is unset.</summary>
    public const int DefaultPort = 8080;

    /// <summary>The URL to listen on.</summary>
    /// <exception cref="InvalidOperationException"><c>ORDERSAPI_PORT</c> or <c>POD_IP</c> is malformed (the message names it).</exception>
    public static string From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls;
        }

        var port = DefaultPort;
        if (configuration["ORDERSAPI_PORT"] is { Length: > 0 } portText
            && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new InvalidOperationException($"ORDERSAPI_PORT='{portText}' is not a port number from 1 to 65535.");
        }

        var podIp = configuration["POD_IP"];
        if (string.IsNullOrWhiteSpace(podIp))
        {
            return $"http://+:{port}";
        }

        if (!System.Net.IPAddress.TryParse(podIp, out var address))
        {
            throw new InvalidOperationException($"POD_IP='{podIp}' is not an IP address (set it from the downward API: fieldRef status.podIP).");
        }

        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"http://{host}:{port}";
    }
}

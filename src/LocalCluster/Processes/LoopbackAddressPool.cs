using System.Globalization;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// Hands each process pod its own loopback address, 127.0.x.y (Linux routes all of 127/8 to lo), so
/// replicas listening on the same container port do not collide. An address is unique while its pod
/// lives; released addresses are reused only after the rest of the range, as a cluster's IPAM would.
/// 127.0.0.1 (where the API server listens) and 127.0.x.0 / 127.0.x.255 are never handed out.
/// </summary>
internal sealed class LoopbackAddressPool
{
    private const int First = 2;
    private const int Last = 0xFFFE;
    private readonly Lock _gate = new();
    private readonly HashSet<int> _used = [];
    private int _next = First;

    /// <summary>A free address.</summary>
    /// <exception cref="InvalidOperationException">All 65,000-odd addresses are in use.</exception>
    public string Allocate()
    {
        lock (_gate)
        {
            for (var tried = 0; tried <= Last; tried++)
            {
                var candidate = _next;
                _next = _next >= Last ? First : _next + 1;
                if ((candidate & 0xFF) is 0 or 0xFF || !_used.Add(candidate))
                {
                    continue;
                }

                return Format(candidate);
            }

            throw new InvalidOperationException("No free loopback address is left for another process pod.");
        }
    }

    /// <summary>Gives an address back.</summary>
    public void Release(string address)
    {
        var parts = address.Split('.');
        if (parts.Length == 4 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var high) && int.TryParse(parts[3], CultureInfo.InvariantCulture, out var low))
        {
            lock (_gate)
            {
                _used.Remove((high << 8) | low);
            }
        }
    }

    private static string Format(int n) => string.Create(CultureInfo.InvariantCulture, $"127.0.{n >> 8}.{n & 0xFF}");
}

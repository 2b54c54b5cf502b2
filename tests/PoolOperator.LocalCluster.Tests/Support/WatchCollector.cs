using k8s;

namespace PoolOperator.LocalCluster.Tests.Support;

/// <summary>Reads a KubernetesClient watch into a list until it has enough events or the stream ends.</summary>
internal static class WatchCollector
{
    public static async Task<List<(WatchEventType Type, T Object)>> CollectAsync<T>(
        IAsyncEnumerable<(WatchEventType, T)> watch, int? stopAfter = null, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        var events = new List<(WatchEventType, T)>();
        try
        {
            await foreach (var e in watch.WithCancellation(timeout.Token))
            {
                events.Add(e);
                if (events.Count == stopAfter)
                {
                    break;
                }
            }
        }
        catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
        {
            // A watch that ends without a line (timeoutSeconds, nothing changed): a normal end.
        }

        return events;
    }
}

using System.Threading.Channels;

namespace PoolOperator.LocalCluster.Storage;

/// <summary>
/// A live watch on one resource: its filter (namespace and selectors), how it renders objects
/// (apiVersion of the requested version, or a Table row), and the queue its HTTP stream drains.
/// </summary>
internal sealed class WatchSubscription
{
    private readonly Channel<WatchMessage> _messages = Channel.CreateUnbounded<WatchMessage>(new UnboundedChannelOptions { SingleReader = true });

    public WatchSubscription(string storageKey, Func<string?, byte[], bool> filter, Func<StoredObject, byte[]> render)
    {
        StorageKey = storageKey;
        Filter = filter;
        Render = render;
    }

    /// <summary>The watched resource.</summary>
    public string StorageKey { get; }

    /// <summary>Whether an object state (its namespace and selector view) is visible to this watch.</summary>
    public Func<string?, byte[], bool> Filter { get; }

    /// <summary>
    /// Turns a stored object into what this watch sends, as UTF-8 JSON. The stored bytes themselves
    /// when they are already in the watched version's form: one object, any number of watchers, no copy.
    /// </summary>
    public Func<StoredObject, byte[]> Render { get; }

    /// <summary>Messages for the stream, in resourceVersion order.</summary>
    public ChannelReader<WatchMessage> Reader => _messages.Reader;

    /// <summary>Queues one message; called under the store's lock so order is the global order.</summary>
    public void Enqueue(string type, byte[] obj) => _messages.Writer.TryWrite(new WatchMessage(type, obj));

    /// <summary>Ends the stream after the queued messages.</summary>
    public void Complete() => _messages.Writer.TryComplete();

    /// <summary>
    /// Delivers one stored change as this watch sees it: an object that starts matching the
    /// selectors arrives as ADDED, one that stops matching as DELETED, as the real server does.
    /// </summary>
    public void Deliver(StoredEvent change)
    {
        if (change.StorageKey != StorageKey)
        {
            return;
        }

        var matchesNow = Filter(change.Object.Namespace, change.Object.View);
        switch (change.Type)
        {
            case "ADDED":
                if (matchesNow)
                {
                    Enqueue("ADDED", Render(change.Object));
                }

                break;
            case "DELETED":
                if (matchesNow)
                {
                    Enqueue("DELETED", Render(change.Object));
                }

                break;
            default:
                var matchedBefore = change.PreviousView is not null && Filter(change.Object.Namespace, change.PreviousView);
                if (matchesNow)
                {
                    Enqueue(matchedBefore ? "MODIFIED" : "ADDED", Render(change.Object));
                }
                else if (matchedBefore)
                {
                    Enqueue("DELETED", Render(change.Object));
                }

                break;
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.Operator.Controller;

/// <summary>The part of an informer its owner starts and waits on, whatever its kind.</summary>
public interface IInformer
{
    /// <summary>The kind watched, for logs.</summary>
    string Kind { get; }

    /// <summary>True once every namespace has been listed once.</summary>
    bool HasSynced { get; }

    /// <summary>Completes when <see cref="HasSynced"/> becomes true.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    /// <summary>Lists, watches and resyncs until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Receives what an informer sees, on the informer's own thread: handlers must be quick.</summary>
/// <typeparam name="T">The kind of object.</typeparam>
/// <param name="Old">The object before the change; null when it was added.</param>
/// <param name="New">The object after the change; null when it was deleted. Equal to <paramref name="Old"/> on a resync.</param>
public delegate void InformerHandler<in T>(T? Old, T? New);

/// <summary>Timings of an informer.</summary>
public sealed record InformerSettings
{
    /// <summary>How often every cached object is handed to the handlers again; zero or less turns it off.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the server keeps one watch open (jittered up to +50%), after which it is resumed.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The first wait after a failed list or watch; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan MinRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait after repeated failures.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A list-then-watch reflector and its cache for one kind: lists, watches from the list's
/// resourceVersion, resumes each watch from the last resourceVersion seen (bookmarks included),
/// relists when the server answers 410 Gone, and hands every cached object to the handlers
/// again each resync period so that nothing depends on never missing an event.
/// </summary>
/// <typeparam name="T">The kind of object.</typeparam>
public sealed partial class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ListWatchSource<T> source;
    private readonly List<string?> namespaces;
    private readonly InformerSettings settings;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly List<InformerHandler<T>> handlers = [];
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, long> listBegan = new(StringComparer.Ordinal);
    private int unsyncedNamespaces;
    private long relists;
    private long lists;

    /// <summary>Creates an informer over one or more namespaces (an empty list or a null entry means all).</summary>
    public Informer(ListWatchSource<T> source, IEnumerable<string?> namespaces, InformerSettings settings, TimeProvider time, ILogger logger)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        ArgumentNullException.ThrowIfNull(namespaces);
        var list = namespaces.Distinct().ToList();
        this.namespaces = list.Count == 0 || list.Contains(null) ? [null] : list;
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        unsyncedNamespaces = this.namespaces.Count;
    }

    /// <inheritdoc />
    public string Kind => source.Kind;

    /// <summary>The objects seen so far.</summary>
    public ObjectCache<T> Cache { get; } = new();

    /// <inheritdoc />
    public bool HasSynced => synced.Task.IsCompleted;

    /// <summary>How many times the informer has listed after its first list (410 Gone or failures).</summary>
    public long Relists => Interlocked.Read(ref relists);

    /// <summary>How many complete lists the informer has made (of one namespace each, or of all).</summary>
    public long Lists => Interlocked.Read(ref lists);

    /// <summary>
    /// True when the cache of every watched namespace comes from a consistent list that began at or after
    /// <paramref name="timestamp"/> (of the informer's time provider), followed by its watch: the cache is then at
    /// least as new as the API was at that moment, as a fresh list now would make it.
    /// </summary>
    public bool ListedSince(long timestamp) =>
        namespaces.All(ns => listBegan.TryGetValue(ns ?? "", out var began) && began >= timestamp);

    /// <summary>Adds a handler; add handlers before <see cref="RunAsync"/>.</summary>
    public void AddHandler(InformerHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handlers.Add(handler);
    }

    /// <summary>
    /// Writes an object the operator has just written into the cache, so that the next reconcile
    /// sees its own writes even before the watch delivers them. Handlers are not called. The object
    /// goes through the source's transform like a watched one (a write's answer carries managedFields).
    /// </summary>
    public void WriteThrough(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Cache.Upsert(source.Transform(obj));
    }

    /// <summary>Removes an object the operator has just deleted from the cache. Handlers are not called.</summary>
    public void DeleteThrough(ObjectKey key) => Cache.Remove(key);

    /// <summary>
    /// Lists afresh and merges the result into the cache (newer cached versions win), so that a
    /// replica that has just become leader plans from state at least as new as the API's now.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var ns in namespaces)
        {
            var began = time.GetTimestamp();
            var result = await source.List(ns, cancellationToken);
            foreach (var obj in result.Items)
            {
                var (previous, stored) = Cache.Upsert(obj);
                if (stored && previous?.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
                {
                    Notify(previous, obj);
                }
            }

            Listed(ns, began);
        }
    }

    /// <summary>
    /// Lists every watched namespace afresh with a consistent read (no resourceVersion, so the
    /// server answers from its newest state, page by page) and makes the cache hold exactly that
    /// list: objects missing from it are removed, changed ones replaced, and the handlers told.
    /// Objects written through after the list began (a newer resourceVersion) are kept. A new
    /// leader calls this before it plans from the grants, so that nothing it raises rests on a
    /// stale view of what the previous leader wrote.
    /// </summary>
    /// <returns>The number of objects the fresh list held.</returns>
    public async Task<int> ReplaceFromFreshListAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var ns in namespaces)
        {
            var began = time.GetTimestamp();
            var result = await source.List(ns, cancellationToken);
            total += result.Items.Count;
            foreach (var (old, @new) in Cache.Replace(ns, result.Items, result.ResourceVersion))
            {
                Notify(old, @new);
            }

            Listed(ns, began);
        }

        return total;
    }

    /// <inheritdoc />
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var loops = namespaces.Select(ns => ReflectAsync(ns, cancellationToken)).ToList();
        loops.Add(ResyncAsync(cancellationToken));
        await Task.WhenAll(loops);
    }

    private async Task ReflectAsync(string? namespaceName, CancellationToken cancellationToken)
    {
        // Kept in an object so that a watch that fails midway still leaves the last resourceVersion it saw.
        var cursor = new Cursor();
        var namespaceText = NamespaceText(namespaceName);
        var listedOnce = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (cursor.ResourceVersion is null)
                {
                    cursor.ResourceVersion = await ListAsync(namespaceName, cancellationToken);
                    if (listedOnce)
                    {
                        Interlocked.Increment(ref relists);
                    }
                    else
                    {
                        listedOnce = true;
                        if (Interlocked.Decrement(ref unsyncedNamespaces) == 0)
                        {
                            synced.TrySetResult();
                        }
                    }
                }

                await WatchAsync(namespaceName, cursor, cancellationToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
            {
                // The client throws this when a watch ends without a single line (its timeout passed
                // with nothing to report): a normal end, resumed from the same resourceVersion.
                failures = 0;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone)
            {
                LogExpired(logger, Kind, namespaceText, cursor.ResourceVersion);
                cursor.ResourceVersion = null;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = RetryDelay(failures);
                LogFailed(logger, ex, Kind, namespaceText, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(string? namespaceName, CancellationToken cancellationToken)
    {
        var namespaceText = NamespaceText(namespaceName);
        var began = time.GetTimestamp();
        var result = await source.List(namespaceName, cancellationToken);
        foreach (var (old, @new) in Cache.Replace(namespaceName, result.Items, result.ResourceVersion))
        {
            Notify(old, @new);
        }

        Listed(namespaceName, began);

        LogListed(logger, Kind, namespaceText, result.Items.Count, result.ResourceVersion);
        return result.ResourceVersion;
    }

    private void Listed(string? namespaceName, long began)
    {
        Interlocked.Increment(ref lists);
        listBegan.AddOrUpdate(namespaceName ?? "", began, (_, previous) => Math.Max(previous, began));
    }

    private async Task WatchAsync(string? namespaceName, Cursor cursor, CancellationToken cancellationToken)
    {
        var namespaceText = NamespaceText(namespaceName);
        var expired = false;
        var timeout = (int)(settings.WatchTimeout.TotalSeconds * (1 + (Random.Shared.NextDouble() / 2)));
        var request = new WatchRequest(namespaceName, cursor.ResourceVersion!, Math.Max(1, timeout), ex =>
        {
            if (ex is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                expired = true;
            }
            else
            {
                LogWatchError(logger, ex, Kind, namespaceText);
            }
        });

        await foreach (var (type, obj) in source.Watch(request, cancellationToken))
        {
            if (obj?.Metadata is null)
            {
                continue;
            }

            cursor.ResourceVersion = obj.Metadata.ResourceVersion ?? cursor.ResourceVersion;
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    var (previous, stored) = Cache.Upsert(obj);
                    if (stored)
                    {
                        Notify(previous, obj);
                    }

                    break;
                case WatchEventType.Deleted:
                    // The handlers get the object as the event carries it: its final state (a pod that left the
                    // field selector shows the phase it left for), not the cached one.
                    Cache.Remove(ObjectKey.Of(obj));
                    Notify(obj, null);
                    break;
                case WatchEventType.Bookmark:
                default:
                    break;
            }
        }

        if (expired)
        {
            LogExpired(logger, Kind, namespaceText, cursor.ResourceVersion);
            cursor.ResourceVersion = null;
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        if (settings.ResyncPeriod <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await WaitForSyncAsync(cancellationToken);
            while (true)
            {
                await Task.Delay(settings.ResyncPeriod, time, cancellationToken);
                foreach (var obj in Cache.List())
                {
                    Notify(obj, obj);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Notify(T? old, T? @new)
    {
        foreach (var handler in handlers)
        {
            try
            {
                handler(old, @new);
            }
#pragma warning disable CA1031 // A failing handler must not stop the watch that feeds every other handler.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFailed(logger, ex, Kind);
            }
        }
    }

    private TimeSpan RetryDelay(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(settings.MinRetryDelay.Ticks * factor, settings.MaxRetryDelay.Ticks));
        return delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    private static string NamespaceText(string? namespaceName) => namespaceName ?? "(all)";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Kind} in {Namespace}: {Count} objects at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, string @namespace, int count, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Kind} in {Namespace} expired at resourceVersion {ResourceVersion} (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, string kind, string @namespace, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List or watch of {Kind} in {Namespace} failed; retrying in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string kind, string @namespace, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Kind} in {Namespace} reported an error")]
    private static partial void LogWatchError(ILogger logger, Exception exception, string kind, string @namespace);

    [LoggerMessage(Level = LogLevel.Error, Message = "A handler of {Kind} events failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string kind);

    private sealed class Cursor
    {
        public string? ResourceVersion { get; set; }
    }
}

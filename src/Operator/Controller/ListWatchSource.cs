using k8s;
using k8s.Models;

namespace PoolOperator.Operator.Controller;

/// <summary>The objects of one list call and the resourceVersion to watch from.</summary>
/// <typeparam name="T">The kind of object.</typeparam>
/// <param name="Items">The objects.</param>
/// <param name="ResourceVersion">The list's resourceVersion.</param>
public sealed record ListResult<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>
/// How an <see cref="Informer{T}"/> lists and watches one kind: two calls of the Kubernetes client,
/// bound to a kind by <see cref="KubernetesSources"/>. A null namespace means all namespaces.
/// </summary>
/// <typeparam name="T">The kind of object.</typeparam>
public sealed class ListWatchSource<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Creates a source from its two calls.</summary>
    /// <param name="kind">The kind's name, for logs.</param>
    /// <param name="list">Lists a namespace (null: all), objects transformed.</param>
    /// <param name="watch">Watches from a resourceVersion, objects transformed.</param>
    /// <param name="transform">What list and watch apply to each object, applied to the operator's own writes too; null keeps objects whole.</param>
    public ListWatchSource(
        string kind,
        Func<string?, CancellationToken, Task<ListResult<T>>> list,
        Func<WatchRequest, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> watch,
        Func<T, T>? transform = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        Kind = kind;
        List = list ?? throw new ArgumentNullException(nameof(list));
        Watch = watch ?? throw new ArgumentNullException(nameof(watch));
        Transform = transform ?? (obj => obj);
    }

    /// <summary>What list and watch apply to each object before it is cached.</summary>
    public Func<T, T> Transform { get; }

    /// <summary>The kind's name, for logs.</summary>
    public string Kind { get; }

    /// <summary>Lists the objects of a namespace (or all namespaces, for null).</summary>
    public Func<string?, CancellationToken, Task<ListResult<T>>> List { get; }

    /// <summary>Watches from a resourceVersion; ERROR lines go to <see cref="WatchRequest.OnError"/>.</summary>
    public Func<WatchRequest, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch { get; }
}

/// <summary>One watch call.</summary>
/// <param name="Namespace">The namespace, or null for all.</param>
/// <param name="ResourceVersion">Where to resume from.</param>
/// <param name="TimeoutSeconds">How long the server keeps the watch open before ending it normally.</param>
/// <param name="OnError">Receives ERROR events (a <see cref="KubernetesException"/>, 410 when expired) and unreadable lines.</param>
public sealed record WatchRequest(string? Namespace, string ResourceVersion, int TimeoutSeconds, Action<Exception> OnError);

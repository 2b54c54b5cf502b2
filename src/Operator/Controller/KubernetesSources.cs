using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.Operator.Controller;

/// <summary>The <see cref="ListWatchSource{T}"/> of every kind the operator watches, bound to a client.</summary>
public static class KubernetesSources
{
    /// <summary>core/v1 pods.</summary>
    public static ListWatchSource<V1Pod> Pods(IKubernetes client, SourceOptions<V1Pod>? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1Pod, V1PodList>(
            "Pod",
            options,
            (q, ct) => q.Namespace is null
                ? client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct)
                : client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(namespaceParameter: q.Namespace, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct));
    }

    /// <summary>apps/v1 deployments.</summary>
    public static ListWatchSource<V1Deployment> Deployments(IKubernetes client, SourceOptions<V1Deployment>? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1Deployment, V1DeploymentList>(
            "Deployment",
            options,
            (q, ct) => q.Namespace is null
                ? client.AppsV1.ListDeploymentForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct)
                : client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(namespaceParameter: q.Namespace, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct));
    }

    /// <summary>apps/v1 statefulsets.</summary>
    public static ListWatchSource<V1StatefulSet> StatefulSets(IKubernetes client, SourceOptions<V1StatefulSet>? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1StatefulSet, V1StatefulSetList>(
            "StatefulSet",
            options,
            (q, ct) => q.Namespace is null
                ? client.AppsV1.ListStatefulSetForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct)
                : client.AppsV1.ListNamespacedStatefulSetWithHttpMessagesAsync(namespaceParameter: q.Namespace, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct));
    }

    /// <summary>autoscaling/v2 horizontal pod autoscalers.</summary>
    public static ListWatchSource<V2HorizontalPodAutoscaler> HorizontalPodAutoscalers(IKubernetes client, SourceOptions<V2HorizontalPodAutoscaler>? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>(
            "HorizontalPodAutoscaler",
            options,
            (q, ct) => q.Namespace is null
                ? client.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct)
                : client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerWithHttpMessagesAsync(namespaceParameter: q.Namespace, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct));
    }

    /// <summary>pooloperator.io DatabaseBudgets.</summary>
    public static ListWatchSource<DatabaseBudget> Budgets(IKubernetes client, SourceOptions<DatabaseBudget>? options = null) =>
        Custom<DatabaseBudget, DatabaseBudgetList>(client, DatabaseBudget.KubeKind, ApiGroup.BudgetPlural, options);

    /// <summary>pooloperator.io ConnectionGrants.</summary>
    public static ListWatchSource<ConnectionGrant> Grants(IKubernetes client, SourceOptions<ConnectionGrant>? options = null) =>
        Custom<ConnectionGrant, ConnectionGrantList>(client, ConnectionGrant.KubeKind, ApiGroup.GrantPlural, options);

    private static ListWatchSource<T> Custom<T, TList>(IKubernetes client, string kind, string plural, SourceOptions<T>? options)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<T, TList>(
            kind,
            options,
            (q, ct) => q.Namespace is null
                ? client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync<TList>(group: ApiGroup.Group, version: ApiGroup.Version, resourcePlural: plural, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct)
                : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<TList>(group: ApiGroup.Group, version: ApiGroup.Version, namespaceParameter: q.Namespace, plural: plural, allowWatchBookmarks: q.Watch, continueParameter: q.Continue, fieldSelector: q.FieldSelector, labelSelector: q.LabelSelector, limit: q.Limit, resourceVersion: q.ResourceVersion, timeoutSeconds: q.TimeoutSeconds, watch: q.Watch, cancellationToken: ct));
    }

    /// <summary>
    /// Builds both calls from one list call: with watch=false it lists page by page (limit and
    /// continue, as client-go's pager), with watch=true the client streams the response as watch
    /// events. The transform runs on each page and each event, before anything holds the objects.
    /// </summary>
    private static ListWatchSource<T> Create<T, TList>(
        string kind,
        SourceOptions<T>? options,
        Func<ListQuery, CancellationToken, Task<HttpOperationResponse<TList>>> call)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        options ??= new SourceOptions<T>();
        var transform = options.Transform ?? (obj => obj);
        var baseQuery = new ListQuery { LabelSelector = options.LabelSelector, FieldSelector = options.FieldSelector };
        return new ListWatchSource<T>(
            kind,
            async (ns, ct) =>
            {
                var items = new List<T>();
                var query = baseQuery with { Namespace = ns, Limit = options.PageSize > 0 ? options.PageSize : null };
                while (true)
                {
                    TList list;
                    try
                    {
                        using var response = await call(query, ct);
                        list = response.Body;
                    }
                    catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Gone && query.Continue is not null)
                    {
                        // The continue token expired (the server compacted the list's snapshot):
                        // start over, as client-go's pager does, from a fresh first page.
                        items.Clear();
                        query = query with { Continue = null };
                        continue;
                    }

                    items.AddRange((list.Items ?? []).Select(transform));
                    var next = list.Metadata?.ContinueProperty;
                    if (string.IsNullOrEmpty(next))
                    {
                        return new ListResult<T>(items, list.Metadata?.ResourceVersion ?? "");
                    }

                    query = query with { Continue = next };
                }
            },
            WatchTransformed,
            transform);

        async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchTransformed(WatchRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var query = baseQuery with { Namespace = request.Namespace, Watch = true, ResourceVersion = request.ResourceVersion, TimeoutSeconds = request.TimeoutSeconds };

            // WatcherExt.WatchAsync is marked obsolete in favour of the generated Watch* methods,
            // which exist only for built-in kinds; it works for every kind and keeps one code path.
#pragma warning disable CS0618
            await foreach (var (type, obj) in call(query, ct).WatchAsync<T, TList>(request.OnError, ct))
#pragma warning restore CS0618
            {
                yield return (type, obj?.Metadata is null ? obj! : transform(obj));
            }
        }
    }

    /// <summary>The parameters of one list or watch call.</summary>
    private sealed record ListQuery
    {
        public string? Namespace { get; init; }

        public string? LabelSelector { get; init; }

        public string? FieldSelector { get; init; }

        public int? Limit { get; init; }

        public string? Continue { get; init; }

        public string? ResourceVersion { get; init; }

        public int? TimeoutSeconds { get; init; }

        public bool? Watch { get; init; }
    }
}

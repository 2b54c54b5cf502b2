using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.Operator.Controller;

/// <summary>The <see cref="ListWatchSource{T}"/> of every kind the operator watches, bound to a client.</summary>
public static class KubernetesSources
{
    /// <summary>core/v1 pods.</summary>
    public static ListWatchSource<V1Pod> Pods(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1Pod, V1PodList>(
            "Pod",
            (ns, watch, rv, timeout, ct) => ns is null
                ? client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct)
                : client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(namespaceParameter: ns, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct));
    }

    /// <summary>apps/v1 deployments.</summary>
    public static ListWatchSource<V1Deployment> Deployments(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1Deployment, V1DeploymentList>(
            "Deployment",
            (ns, watch, rv, timeout, ct) => ns is null
                ? client.AppsV1.ListDeploymentForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct)
                : client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(namespaceParameter: ns, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct));
    }

    /// <summary>apps/v1 statefulsets.</summary>
    public static ListWatchSource<V1StatefulSet> StatefulSets(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V1StatefulSet, V1StatefulSetList>(
            "StatefulSet",
            (ns, watch, rv, timeout, ct) => ns is null
                ? client.AppsV1.ListStatefulSetForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct)
                : client.AppsV1.ListNamespacedStatefulSetWithHttpMessagesAsync(namespaceParameter: ns, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct));
    }

    /// <summary>autoscaling/v2 horizontal pod autoscalers.</summary>
    public static ListWatchSource<V2HorizontalPodAutoscaler> HorizontalPodAutoscalers(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>(
            "HorizontalPodAutoscaler",
            (ns, watch, rv, timeout, ct) => ns is null
                ? client.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct)
                : client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerWithHttpMessagesAsync(namespaceParameter: ns, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct));
    }

    /// <summary>pooloperator.io DatabaseBudgets.</summary>
    public static ListWatchSource<DatabaseBudget> Budgets(IKubernetes client) =>
        Custom<DatabaseBudget, DatabaseBudgetList>(client, DatabaseBudget.KubeKind, ApiGroup.BudgetPlural);

    /// <summary>pooloperator.io ConnectionGrants.</summary>
    public static ListWatchSource<ConnectionGrant> Grants(IKubernetes client) =>
        Custom<ConnectionGrant, ConnectionGrantList>(client, ConnectionGrant.KubeKind, ApiGroup.GrantPlural);

    private static ListWatchSource<T> Custom<T, TList>(IKubernetes client, string kind, string plural)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        ArgumentNullException.ThrowIfNull(client);
        return Create<T, TList>(
            kind,
            (ns, watch, rv, timeout, ct) => ns is null
                ? client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync<TList>(group: ApiGroup.Group, version: ApiGroup.Version, resourcePlural: plural, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct)
                : client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<TList>(group: ApiGroup.Group, version: ApiGroup.Version, namespaceParameter: ns, plural: plural, allowWatchBookmarks: watch, resourceVersion: rv, timeoutSeconds: timeout, watch: watch, cancellationToken: ct));
    }

    /// <summary>
    /// Builds both calls from one list call: with watch=false it lists, with watch=true the
    /// client streams the response as watch events.
    /// </summary>
    private static ListWatchSource<T> Create<T, TList>(
        string kind,
        Func<string?, bool?, string?, int?, CancellationToken, Task<HttpOperationResponse<TList>>> call)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        return new ListWatchSource<T>(
            kind,
            async (ns, ct) =>
            {
                using var response = await call(ns, null, null, null, ct);
                var list = response.Body;
                return new ListResult<T>([.. list.Items ?? []], list.Metadata?.ResourceVersion ?? "");
            },
            (request, ct) =>
            {
                // WatcherExt.WatchAsync is marked obsolete in favour of the generated Watch* methods,
                // which exist only for built-in kinds; it works for every kind and keeps one code path.
#pragma warning disable CS0618
                return call(request.Namespace, true, request.ResourceVersion, request.TimeoutSeconds, ct)
                    .WatchAsync<T, TList>(request.OnError, ct);
#pragma warning restore CS0618
            });
    }
}

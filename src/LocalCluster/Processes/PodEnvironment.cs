using k8s.Models;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// Resolves a container's environment as the kubelet does: <c>envFrom</c> first (Secrets and ConfigMaps,
/// with their prefix), then <c>env</c> in order, each <c>value</c> expanded with <c>$(VAR)</c> against the
/// variables defined before it; <c>valueFrom</c> reads the downward API (<see cref="FieldValue"/>),
/// a Secret key or a ConfigMap key. A missing object or key throws <see cref="ContainerConfigException"/>
/// with the kubelet's message, unless the reference is <c>optional</c>.
/// </summary>
/// <param name="lookup">Reads a Secret (<c>kind</c> "Secret") or ConfigMap of the pod's namespace; null when it does not exist.</param>
internal sealed class PodEnvironment(Func<string, string, CancellationToken, Task<IReadOnlyDictionary<string, string>?>> lookup)
{
    /// <summary>The container's variables, in definition order (later definitions replace earlier ones).</summary>
    public async Task<Dictionary<string, string>> ResolveAsync(V1Pod pod, V1Container container, string podIp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var (kind, name, optional) = source.SecretRef is { } secret ? ("Secret", secret.Name, secret.Optional == true)
                : source.ConfigMapRef is { } map ? ("ConfigMap", map.Name, map.Optional == true)
                : throw new ContainerConfigException("envFrom needs a secretRef or a configMapRef");
            var data = await lookup(kind, name, cancellationToken).ConfigureAwait(false);
            if (data is null)
            {
                if (optional)
                {
                    continue;
                }

                throw new ContainerConfigException($"{kind.ToLowerInvariant()} \"{name}\" not found");
            }

            foreach (var (key, value) in data)
            {
                variables[(source.Prefix ?? "") + key] = value;
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                variables[env.Name] = EnvironmentExpansion.Expand(env.Value ?? "", variables);
                continue;
            }

            var value = await ValueFromAsync(pod, ns, env, podIp, cancellationToken).ConfigureAwait(false);
            if (value is not null)
            {
                variables[env.Name] = value;
            }
        }

        return variables;
    }

    /// <summary>A downward-API field of the pod, as <c>fieldRef.fieldPath</c> names it.</summary>
    /// <exception cref="ContainerConfigException">The field is not one the kubelet supports for env.</exception>
    public static string FieldValue(V1Pod pod, string fieldPath, string podIp)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(fieldPath);
        var meta = pod.Metadata ?? new V1ObjectMeta();
        switch (fieldPath)
        {
            case "metadata.name":
                return meta.Name ?? "";
            case "metadata.namespace":
                return meta.NamespaceProperty ?? "default";
            case "metadata.uid":
                return meta.Uid ?? "";
            case "status.podIP":
                return podIp;
            case "status.podIPs":
                return podIp;
            case "status.hostIP" or "status.hostIPs":
                return "127.0.0.1";
            case "spec.nodeName":
                return pod.Spec?.NodeName ?? ProcessKubelet.NodeName;
            case "spec.serviceAccountName":
                return ServiceAccountOf(pod);
        }

        if (Subscript(fieldPath, "metadata.labels") is { } label)
        {
            return meta.Labels?.TryGetValue(label, out var value) == true ? value : "";
        }

        if (Subscript(fieldPath, "metadata.annotations") is { } annotation)
        {
            return meta.Annotations?.TryGetValue(annotation, out var value) == true ? value : "";
        }

        throw new ContainerConfigException($"unsupported fieldPath: {fieldPath}");
    }

    /// <summary>The pod's service account; "default" when the spec names none.</summary>
    public static string ServiceAccountOf(V1Pod pod) =>
        pod?.Spec?.ServiceAccountName is { Length: > 0 } sa ? sa
        : pod?.Spec?.ServiceAccount is { Length: > 0 } legacy ? legacy
        : "default";

    private async Task<string?> ValueFromAsync(V1Pod pod, string ns, V1EnvVar env, string podIp, CancellationToken cancellationToken)
    {
        var from = env.ValueFrom;
        if (from.FieldRef is { } field)
        {
            return FieldValue(pod, field.FieldPath ?? "", podIp);
        }

        var (kind, name, key, optional) = from.SecretKeyRef is { } secret ? ("Secret", secret.Name, secret.Key, secret.Optional == true)
            : from.ConfigMapKeyRef is { } map ? ("ConfigMap", map.Name, map.Key, map.Optional == true)
            : throw new ContainerConfigException($"env {env.Name}: only fieldRef, secretKeyRef and configMapKeyRef are supported by the local cluster's process kubelet");
        var data = await lookup(kind, name, cancellationToken).ConfigureAwait(false);
        if (data is null)
        {
            return optional ? null : throw new ContainerConfigException($"{kind.ToLowerInvariant()} \"{name}\" not found");
        }

        return data.TryGetValue(key, out var value) ? value
            : optional ? null
            : throw new ContainerConfigException($"couldn't find key {key} in {kind} {ns}/{name}");
    }

    /// <summary>The key of <c>prefix['key']</c>, or null when the path is not of that form.</summary>
    private static string? Subscript(string fieldPath, string prefix)
    {
        if (!fieldPath.StartsWith(prefix + "['", StringComparison.Ordinal) || !fieldPath.EndsWith("']", StringComparison.Ordinal))
        {
            return null;
        }

        return fieldPath[(prefix.Length + 2)..^2];
    }
}

using k8s;

namespace PoolOperator.Operator.Hosting;

/// <summary>No Kubernetes configuration could be found; the message says what to do.</summary>
public sealed class KubeConfigNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KubeConfigNotFoundException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Finds how to reach the API server: in-cluster configuration when KUBERNETES_SERVICE_HOST is
/// set, else the current context of the kubeconfig named by KUBECONFIG or found at ~/.kube/config.
/// </summary>
public static class KubeConfigResolver
{
    /// <summary>Resolves the configuration.</summary>
    /// <param name="environment">Reads an environment variable (Environment.GetEnvironmentVariable in production).</param>
    /// <exception cref="KubeConfigNotFoundException">When neither is available or the kubeconfig cannot be read.</exception>
    public static KubernetesClientConfiguration Resolve(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")))
        {
            try
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }
            catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
            {
                throw new KubeConfigNotFoundException(
                    "KUBERNETES_SERVICE_HOST is set but the in-cluster service account could not be read "
                    + $"({ex.Message}). Mount the service account token (automountServiceAccountToken: true) or unset KUBERNETES_SERVICE_HOST to use a kubeconfig.",
                    ex);
            }
        }

        var candidates = (environment("KUBECONFIG") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();
        var home = environment("HOME") ?? environment("USERPROFILE");
        if (candidates.Count == 0 && !string.IsNullOrEmpty(home))
        {
            candidates.Add(Path.Combine(home, ".kube", "config"));
        }

        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            throw new KubeConfigNotFoundException(
                "No Kubernetes configuration found: not running in a cluster (KUBERNETES_SERVICE_HOST is not set) and "
                + (candidates.Count == 0 ? "no kubeconfig (set KUBECONFIG or create ~/.kube/config)" : $"no kubeconfig at {string.Join(", ", candidates)}")
                + ". Point KUBECONFIG at a kubeconfig file (the local cluster writes one: `dotnet run --project src/LocalCluster -- --crds deploy/crds` "
                + "prints `export KUBECONFIG=...`), "
                + "or run the operator inside a cluster with its Helm chart.");
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            throw new KubeConfigNotFoundException($"The kubeconfig at {path} cannot be used: {ex.Message}", ex);
        }
    }
}

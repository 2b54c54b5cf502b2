using Microsoft.Extensions.Logging;

namespace PoolOperator.LocalCluster;

/// <summary>Settings of a <see cref="LocalKubernetesServer"/>.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 (the default) picks a free ephemeral port.</summary>
    public int Port { get; set; }

    /// <summary>
    /// How many changes the server keeps for watches to resume from (default 10,000). A watch from a
    /// resourceVersion older than that gets 410 Expired; tests set it small to provoke that.
    /// </summary>
    public int WatchHistoryLimit { get; set; } = 10_000;

    /// <summary>How often a watch with <c>allowWatchBookmarks=true</c> gets a BOOKMARK (default 10 s; the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often pending deletions are checked (pod grace periods ending; default 200 ms).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long after an owner goes the garbage collector deletes its dependents (default 1 s; seen on the next
    /// sweep after that). A real cluster's collector is asynchronous too: code must not expect dependents to
    /// vanish with their owner, nor a recreated owner of the same name to keep them.
    /// </summary>
    public TimeSpan GarbageCollectionDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When true, creating an object in a namespace that does not exist creates the namespace;
    /// when false (the default, as on a real cluster) it is a 404 naming the namespace.
    /// </summary>
    public bool AutoCreateNamespaces { get; set; }

    /// <summary>Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease).</summary>
    public IList<string> InitialNamespaces { get; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>Files or directories of YAML/JSON manifests (e.g. <c>deploy/crds</c>) created at start, in order.</summary>
    public IList<string> ManifestPaths { get; } = [];

    /// <summary>How many requests <see cref="LocalKubernetesServer.Audit"/> keeps (default 100,000; the oldest go first).</summary>
    public int AuditCapacity { get; set; } = 100_000;

    /// <summary>Clock for timestamps, pod grace periods and ages (default: the system clock).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Container images the server runs as local processes, image -> command line (split as a shell would,
    /// without a shell; the container's <c>args</c> are appended, its <c>command</c> is ignored). A pod with a
    /// container of a mapped image gets its own loopback pod IP, its resolved env, a kubeconfig for its
    /// service account, probes, restarts and <c>kubectl logs</c>; pods of other images stay simulated.
    /// See docs/local-cluster.md, "Pods that run".
    /// </summary>
    public IDictionary<string, string> ProcessImages { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Where the server logs (default: nowhere). Requests are logged at Debug.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}

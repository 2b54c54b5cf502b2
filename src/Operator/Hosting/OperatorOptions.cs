namespace PoolOperator.Operator.Hosting;

/// <summary>
/// The operator's settings, bound from the configuration section <c>Operator</c>
/// (environment form: <c>Operator__HttpPort=8080</c>, <c>Operator__WatchNamespaces__0=apps</c>).
/// </summary>
public sealed class OperatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Operator";

    /// <summary>Namespaces to watch; empty means all namespaces.</summary>
    public List<string> WatchNamespaces { get; set; } = [];

    /// <summary>How often every budget is reconciled even without events.</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The port of /healthz, /readyz and /metrics on all interfaces; 0 picks a free port.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// The IP address to serve <see cref="HttpPort"/> on; empty (the default) means every interface. Where pods share
    /// one network, as on the local cluster, set it to the pod's IP (downward API <c>status.podIP</c>).
    /// </summary>
    public string? HttpAddress { get; set; }

    /// <summary>Concurrent reconciles (never two of the same budget).</summary>
    public int Workers { get; set; } = 2;

    /// <summary>How long a server's limits read through serverRef are reused.</summary>
    public TimeSpan ServerLimitsCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon a budget whose server (serverRef) could not be read is tried again.</summary>
    public TimeSpan ServerRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Requests per second the operator sends to the Kubernetes API on average (client-go's QPS).
    /// A cold start writes each pod's grant twice (created at 0, raised once its agent is up): at
    /// client-go's default of 5 that is over an hour for 10,000 pods, at 200 about 100 s. 200 is a
    /// modest share of a real API server, whose priority and fairness still applies on top
    /// (docs/benchmarks.md, "Scale", measures the cold start at this limit and without it).
    /// </summary>
    public double ApiQps { get; set; } = 200;

    /// <summary>Requests that may go out at once above <see cref="ApiQps"/> before the limit applies (client-go's burst).</summary>
    public int ApiBurst { get; set; } = 400;

    /// <summary>Leader election among operator replicas.</summary>
    public LeaderElectionOptions LeaderElection { get; set; } = new();
}

/// <summary>Leader election settings (section <c>Operator:LeaderElection</c>).</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>When false this replica leads at once and alone: run a single replica only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The Lease's name.</summary>
    public string LeaseName { get; set; } = "pool-operator";

    /// <summary>The Lease's namespace; defaults to env POD_NAMESPACE, else "default".</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>How long a lease is valid after its last renewal; followers wait this long before taking over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>This replica's identity in the lease; defaults to env POD_NAME, else machine name and process id.</summary>
    public string? Identity { get; set; }
}

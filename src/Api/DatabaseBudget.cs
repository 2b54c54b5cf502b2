using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace PoolOperator.Api;

/// <summary>
/// A PostgreSQL server's connection budget and the workloads that share it.
/// The operator divides <c>available</c> among the live pods of the workloads.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = ApiGroup.BudgetPlural)]
public sealed class DatabaseBudget : IKubernetesObject<V1ObjectMeta>, ISpec<DatabaseBudgetSpec>, IStatus<DatabaseBudgetStatus?>
{
    /// <summary>The kind, as written in <c>kind</c>.</summary>
    public const string KubeKind = "DatabaseBudget";

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("spec")]
    public DatabaseBudgetSpec Spec { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("status")]
    public DatabaseBudgetStatus? Status { get; set; }
}

/// <summary>What the user declares.</summary>
public sealed class DatabaseBudgetSpec
{
    /// <summary>The server's max_connections. Optional when <see cref="ServerRef"/> is set.</summary>
    [JsonPropertyName("maxConnections")]
    public int? MaxConnections { get; set; }

    /// <summary>A connection string in a Secret; the operator reads the server's limits through it.</summary>
    [JsonPropertyName("serverRef")]
    public ServerRef? ServerRef { get; set; }

    /// <summary>Headroom kept free for admin sessions, migrations, monitoring and clients outside the budget.</summary>
    [JsonPropertyName("reservedConnections")]
    public int ReservedConnections { get; set; }

    /// <summary>The workloads that share the budget.</summary>
    [JsonPropertyName("workloads")]
    public List<BudgetWorkload> Workloads { get; set; } = [];
}

/// <summary>Names a key of a Secret in the budget's namespace holding an Npgsql connection string.</summary>
public sealed class ServerRef
{
    /// <summary>The Secret's name.</summary>
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = "";

    /// <summary>The key within the Secret.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "connectionString";
}

/// <summary>One workload sharing a budget.</summary>
public sealed class BudgetWorkload
{
    /// <summary><see cref="WorkloadKinds.Deployment"/> or <see cref="WorkloadKinds.StatefulSet"/>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = WorkloadKinds.Deployment;

    /// <summary>The workload's name in the budget's namespace.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Per-replica share: a replica of weight 2 gets twice a replica of weight 1.</summary>
    [JsonPropertyName("weight")]
    public int Weight { get; set; } = 1;

    /// <summary>The least a replica should get; when not all minimums fit, the budget is Overcommitted.</summary>
    [JsonPropertyName("minPerReplica")]
    public int MinPerReplica { get; set; }

    /// <summary>The most a replica may get; unset means no cap.</summary>
    [JsonPropertyName("maxPerReplica")]
    public int? MaxPerReplica { get; set; }
}

/// <summary>What the operator reports.</summary>
public sealed class DatabaseBudgetStatus
{
    /// <summary>The generation of the spec this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>The server's max_connections, when read through serverRef.</summary>
    [JsonPropertyName("serverMaxConnections")]
    public int? ServerMaxConnections { get; set; }

    /// <summary>
    /// The connections ordinary roles may open on the server (max_connections minus both reserved settings), as last
    /// read through serverRef: a reconcile that cannot reach the server plans from it (no raises, shrinks go on).
    /// </summary>
    [JsonPropertyName("serverUsableConnections")]
    public int? ServerUsableConnections { get; set; }

    /// <summary>The limit minus reserved connections: what the pods share.</summary>
    [JsonPropertyName("available")]
    public int? Available { get; set; }

    /// <summary>Sum of the grants' spec.limit.</summary>
    [JsonPropertyName("granted")]
    public int? Granted { get; set; }

    /// <summary>Sum of the grants' acknowledged status.appliedLimit.</summary>
    [JsonPropertyName("applied")]
    public int? Applied { get; set; }

    /// <summary>Sum over every grant of the budget of what its pod may hold (docs/protocol.md, holds): at most available.</summary>
    [JsonPropertyName("held")]
    public int? Held { get; set; }

    /// <summary>
    /// Pods that still hold connections under a grant of this budget but are no longer part of its workloads (workload
    /// removed from the budget, Deployment deleted, pod relabelled): counted, never raised, released when they stop.
    /// </summary>
    [JsonPropertyName("heldOutsideWorkloads")]
    public List<string>? HeldOutsideWorkloads { get; set; }

    /// <summary>
    /// Pods that are gone from the API while their grant still holds connections that their agent never released (a
    /// force-deleted pod on a lost node): counted until the agent acknowledges 0, or the grant's finalizer is removed
    /// by hand (docs/protocol.md, "Release").
    /// </summary>
    [JsonPropertyName("heldByGonePods")]
    public List<string>? HeldByGonePods { get; set; }

    /// <summary>Number of pods holding a grant, for the printer column.</summary>
    [JsonPropertyName("pods")]
    public int? Pods { get; set; }

    /// <summary>A short per-replica summary for the printer column, e.g. "30" or "api=20,worker=10".</summary>
    [JsonPropertyName("perReplica")]
    public string? PerReplica { get; set; }

    /// <summary>One row per workload.</summary>
    [JsonPropertyName("workloads")]
    public List<WorkloadStatus>? Workloads { get; set; }

    /// <summary>Ready, Progressing, Overcommitted, InvalidSpec, ServerUnreachable, StarvedAtMaxScale, Drifted.</summary>
    [JsonPropertyName("conditions")]
    public List<V1Condition>? Conditions { get; set; }
}

/// <summary>The division as it applies to one workload.</summary>
public sealed class WorkloadStatus
{
    /// <summary>The workload's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The workload's kind.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>spec.replicas of the workload (as set by the HPA).</summary>
    [JsonPropertyName("desiredReplicas")]
    public int DesiredReplicas { get; set; }

    /// <summary>Pods that may hold connections: Pending, Running and Terminating.</summary>
    [JsonPropertyName("pods")]
    public int Pods { get; set; }

    /// <summary>The smallest target of the workload's pods (shares differ by at most one).</summary>
    [JsonPropertyName("perReplica")]
    public int PerReplica { get; set; }

    /// <summary>The HPA's maxReplicas, when an HPA targets the workload.</summary>
    [JsonPropertyName("hpaMaxReplicas")]
    public int? HpaMaxReplicas { get; set; }

    /// <summary>What a replica would get with every HPA at its maximum.</summary>
    [JsonPropertyName("perReplicaAtMaxScale")]
    public int? PerReplicaAtMaxScale { get; set; }
}

/// <summary>A page of budgets, as the API lists them.</summary>
public sealed class DatabaseBudgetList : IKubernetesObject<V1ListMeta>, IItems<DatabaseBudget>
{
    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = DatabaseBudget.KubeKind + "List";

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("items")]
    public IList<DatabaseBudget> Items { get; set; } = [];
}

using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace PoolOperator.Api;

/// <summary>
/// One pod's share of one budget. The operator writes <c>spec.limit</c>; the pod's agent
/// acknowledges in <c>status</c> once its physical connections are within the limit.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = ApiGroup.GrantPlural)]
public sealed class ConnectionGrant : IKubernetesObject<V1ObjectMeta>, ISpec<ConnectionGrantSpec>, IStatus<ConnectionGrantStatus?>
{
    /// <summary>The kind, as written in <c>kind</c>.</summary>
    public const string KubeKind = "ConnectionGrant";

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
    public ConnectionGrantSpec Spec { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("status")]
    public ConnectionGrantStatus? Status { get; set; }
}

/// <summary>What the operator grants.</summary>
public sealed class ConnectionGrantSpec
{
    /// <summary>The pod the grant is for.</summary>
    [JsonPropertyName("podName")]
    public string PodName { get; set; } = "";

    /// <summary>
    /// The UID of the pod the grant is bound to. Name is not identity: a StatefulSet recreates a pod under the same
    /// name with a new UID, and the agent of that new pod ignores a grant bound to another UID.
    /// </summary>
    [JsonPropertyName("podUID")]
    public string PodUid { get; set; } = "";

    /// <summary>The budget the grant is part of.</summary>
    [JsonPropertyName("budgetName")]
    public string BudgetName { get; set; } = "";

    /// <summary>The workload of the pod.</summary>
    [JsonPropertyName("workloadName")]
    public string? WorkloadName { get; set; }

    /// <summary>The most physical connections the pod may hold.</summary>
    [JsonPropertyName("limit")]
    public int Limit { get; set; }

    /// <summary>
    /// What the pod may still hold until its agent acknowledges this generation: the largest limit issued to it
    /// that no acknowledgement has released yet (at least <see cref="Limit"/>). Written by the operator with every
    /// limit, so that a restarted operator or a new leader computes the same holds (see <see cref="Protocol.GrantHolds"/>).
    /// </summary>
    [JsonPropertyName("hold")]
    public int? Hold { get; set; }
}

/// <summary>What the pod's agent reports.</summary>
public sealed class ConnectionGrantStatus
{
    /// <summary>The limit the agent enforces and holds no more connections than.</summary>
    [JsonPropertyName("appliedLimit")]
    public int? AppliedLimit { get; set; }

    /// <summary>The grant generation that <see cref="AppliedLimit"/> answers.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>
    /// Where the agent stands: <see cref="GrantPhases.Waiting"/> (up, holding nothing, asking for a slot),
    /// <see cref="GrantPhases.Active"/> (enforcing <see cref="AppliedLimit"/>) or <see cref="GrantPhases.Released"/>
    /// (stopped: holds nothing and opens nothing more).
    /// </summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    /// <summary>Connections handed out by the gate when the status was written.</summary>
    [JsonPropertyName("inUse")]
    public int? InUse { get; set; }

    /// <summary>Idle physical connections in the pool.</summary>
    [JsonPropertyName("idle")]
    public int? Idle { get; set; }

    /// <summary>Opens waiting at the gate.</summary>
    [JsonPropertyName("waiting")]
    public int? Waiting { get; set; }

    /// <summary>When the agent wrote this status.</summary>
    [JsonPropertyName("updatedAt")]
    public DateTime? UpdatedAt { get; set; }
}

/// <summary>Values of <see cref="ConnectionGrantStatus.Phase"/>.</summary>
public static class GrantPhases
{
    /// <summary>The agent is running and holds nothing: it waits for a slot.</summary>
    public const string Waiting = "Waiting";

    /// <summary>The agent enforces its applied limit.</summary>
    public const string Active = "Active";

    /// <summary>The agent stopped admitting, closed its connections and will open none under this pod's process.</summary>
    public const string Released = "Released";
}

/// <summary>A page of grants, as the API lists them.</summary>
public sealed class ConnectionGrantList : IKubernetesObject<V1ListMeta>, IItems<ConnectionGrant>
{
    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = ConnectionGrant.KubeKind + "List";

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("items")]
    public IList<ConnectionGrant> Items { get; set; } = [];
}

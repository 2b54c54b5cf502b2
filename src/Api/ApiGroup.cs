namespace PoolOperator.Api;

/// <summary>Names of the pooloperator.io API group: group, version, kinds, plurals, labels and condition types.</summary>
public static class ApiGroup
{
    /// <summary>The API group of every PoolOperator resource.</summary>
    public const string Group = "pooloperator.io";

    /// <summary>The served and stored version.</summary>
    public const string Version = "v1alpha1";

    /// <summary><c>group/version</c>, as written in <c>apiVersion</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Plural of <see cref="DatabaseBudget"/>, as used in URLs.</summary>
    public const string BudgetPlural = "databasebudgets";

    /// <summary>Plural of <see cref="ConnectionGrant"/>, as used in URLs.</summary>
    public const string GrantPlural = "connectiongrants";

    /// <summary>Label on a grant naming the budget it belongs to.</summary>
    public const string BudgetLabel = "pooloperator.io/budget";

    /// <summary>Label on a grant naming the workload (Deployment or StatefulSet) of its pod.</summary>
    public const string WorkloadLabel = "pooloperator.io/workload";

    /// <summary>Label on a grant naming its pod (fitted to a label value, see <see cref="LabelValues.Fit"/>).</summary>
    public const string PodLabel = "pooloperator.io/pod";

    /// <summary>Label on a grant naming the UID of its pod.</summary>
    public const string PodUidLabel = "pooloperator.io/pod-uid";

    /// <summary>
    /// The operator's finalizer on every grant: the object (and so its hold) stays counted until the operator knows its
    /// pod holds nothing, even when the pod is force-deleted and the garbage collector deletes the grant after it.
    /// </summary>
    public const string HoldFinalizer = "pooloperator.io/held-connections";

    /// <summary>Annotation on a grant naming the leader term that last fenced it (see docs/protocol.md, one writer).</summary>
    public const string TermAnnotation = "pooloperator.io/term";

    /// <summary>
    /// The name of the grant of one pod under one budget. A dot cannot occur in a budget name that
    /// is also a DNS label, so the pair stays unambiguous, and the agent can derive it from its own pod name.
    /// </summary>
    public static string GrantName(string podName, string budgetName)
    {
        ArgumentException.ThrowIfNullOrEmpty(podName);
        ArgumentException.ThrowIfNullOrEmpty(budgetName);
        return podName + "." + budgetName;
    }
}

/// <summary>Workload kinds a budget can name.</summary>
public static class WorkloadKinds
{
    /// <summary>apps/v1 Deployment.</summary>
    public const string Deployment = "Deployment";

    /// <summary>apps/v1 StatefulSet.</summary>
    public const string StatefulSet = "StatefulSet";
}

/// <summary>Condition types on a <see cref="DatabaseBudgetStatus"/>.</summary>
public static class BudgetConditionTypes
{
    /// <summary>Every pod's grant is at its target and acknowledged.</summary>
    public const string Ready = "Ready";

    /// <summary>A rebalance is waiting for acknowledgements.</summary>
    public const string Progressing = "Progressing";

    /// <summary>The minimums of the workloads cannot all be met from the available connections.</summary>
    public const string Overcommitted = "Overcommitted";

    /// <summary>The spec cannot be acted on; the message says why.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>The server named by serverRef could not be reached to read its limits.</summary>
    public const string ServerUnreachable = "ServerUnreachable";

    /// <summary>At the HPA's maxReplicas a replica would get less than its minPerReplica.</summary>
    public const string StarvedAtMaxScale = "StarvedAtMaxScale";

    /// <summary>The server shows more connections of the budget's pods than their holds allow: no raise while it lasts.</summary>
    public const string Drifted = "Drifted";
}

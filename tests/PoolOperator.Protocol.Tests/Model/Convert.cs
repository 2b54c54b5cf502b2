using System.Globalization;
using k8s.Models;
using PoolOperator.Api;

namespace PoolOperator.Protocol.Tests.Model;

/// <summary>Turns model records into the API objects the real operator and agent code read.</summary>
public static class Convert
{
    /// <summary>The namespace of the model.</summary>
    public const string Namespace = "shop";

    /// <summary>The budget's name.</summary>
    public const string BudgetName = "db";

    private static readonly DateTime Deleted = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The grant object of a record.</summary>
    public static ConnectionGrant Grant(GrantRec g) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = g.Name,
            NamespaceProperty = Namespace,
            Uid = g.ObjectUid,
            Generation = g.Generation,
            ResourceVersion = g.Rv.ToString(CultureInfo.InvariantCulture),
            Labels = new Dictionary<string, string> { [ApiGroup.BudgetLabel] = BudgetName, [ApiGroup.PodUidLabel] = g.PodUid },
            Annotations = g.Term is null ? null : new Dictionary<string, string> { [ApiGroup.TermAnnotation] = g.Term },
            Finalizers = g.Finalizer ? [ApiGroup.HoldFinalizer] : null,
            DeletionTimestamp = g.Marked ? Deleted : null,
        },
        Spec = new ConnectionGrantSpec { PodName = g.PodName, PodUid = g.PodUid, BudgetName = BudgetName, Limit = g.Limit, Hold = g.Hold },
        Status = g.Status is null ? null : new ConnectionGrantStatus { Phase = g.Status.Phase, AppliedLimit = g.Status.Applied, ObservedGeneration = g.Status.ObservedGeneration },
    };

    /// <summary>The pod object of a record.</summary>
    public static V1Pod Pod(PodRec p) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = p.Name,
            NamespaceProperty = Namespace,
            Uid = p.Uid,
            ResourceVersion = p.Rv.ToString(CultureInfo.InvariantCulture),
            Labels = new Dictionary<string, string> { ["app"] = p.InWorkload ? "api" : "api-debug" },
            DeletionTimestamp = p.Deleting ? Deleted : null,
        },
        Status = new V1PodStatus { Phase = p.Running ? "Running" : "Pending" },
    };
}

using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.Tests.Planning;

/// <summary>Builds grants and pods for planner tests.</summary>
internal static class PlannerCases
{
    /// <summary>A grant of pod <paramref name="pod"/> (UID = name) at generation <paramref name="generation"/>.</summary>
    public static ConnectionGrant Grant(string pod, int limit, int? hold = null, long generation = 1, (string Phase, int Applied, long Observed)? status = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = pod + ".db", Uid = "g-" + pod, Generation = generation, ResourceVersion = "1" },
        Spec = new ConnectionGrantSpec { PodName = pod, PodUid = pod, BudgetName = "db", Limit = limit, Hold = hold ?? limit },
        Status = status is { } s ? new ConnectionGrantStatus { Phase = s.Phase, AppliedLimit = s.Applied, ObservedGeneration = s.Observed } : null,
    };

    /// <summary>A grant acknowledged at its generation with its limit.</summary>
    public static ConnectionGrant Acked(string pod, int limit, long generation = 2) =>
        Grant(pod, limit, limit, generation, (limit == 0 ? GrantPhases.Waiting : GrantPhases.Active, limit, generation));

    /// <summary>The grant as the API server keeps it once deleted: marked, held by the operator's finalizer.</summary>
    public static ConnectionGrant Marked(ConnectionGrant grant)
    {
        grant.Metadata.DeletionTimestamp = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        grant.Metadata.Finalizers = [ApiGroup.HoldFinalizer];
        return grant;
    }

    /// <summary>A pod of the workloads with a slot and a target.</summary>
    public static PlannedPod Slot(string pod, int target) => new(pod, pod, PodStanding.InWorkloads, target);

    /// <summary>A pod without a slot.</summary>
    public static PlannedPod NoSlot(string pod, PodStanding standing = PodStanding.InWorkloads) => new(pod, pod, standing, null);

    /// <summary>The write for <paramref name="pod"/> in <paramref name="writes"/>, or null.</summary>
    public static GrantWrite? For(this IEnumerable<GrantWrite> writes, string pod) => writes.FirstOrDefault(w => w.PodUid == pod);
}

using k8s.Models;

namespace PoolOperator.Api.Tests.Protocol;

/// <summary>Grant objects as the API server returns them, for the pure protocol rules.</summary>
internal static class Grants
{
    public const string PodUid = "0b7c1f3e-6a52-4c1e-9d1a-2f8e5b7a9c01";
    public const string ObjectUid = "c3d9a0b2-1f4e-4b6a-8e7d-5a9c0b1d2e3f";

    public static ConnectionGrant Issued(long generation, int limit, int? hold = null, string podUid = PodUid, string objectUid = ObjectUid) => new()
    {
        Metadata = new V1ObjectMeta { Name = "api-0.orders-db", Uid = objectUid, Generation = generation },
        Spec = new ConnectionGrantSpec { PodName = "api-0", PodUid = podUid, BudgetName = "orders-db", Limit = limit, Hold = hold ?? limit },
    };

    public static ConnectionGrant WithStatus(this ConnectionGrant grant, string phase, int appliedLimit, long observedGeneration)
    {
        grant.Status = new ConnectionGrantStatus { Phase = phase, AppliedLimit = appliedLimit, ObservedGeneration = observedGeneration };
        return grant;
    }
}

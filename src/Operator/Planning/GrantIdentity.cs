using PoolOperator.Api;

namespace PoolOperator.Operator.Planning;

/// <summary>Which pod a grant is bound to. Name is not identity: a pod recreated under the same name has a new UID.</summary>
public static class GrantIdentity
{
    /// <summary>
    /// The UID of the grant's pod: <c>spec.podUID</c>; for a grant written before protocol v2, the UID of its pod
    /// owner reference or its pod-uid label; "" when none is known (such a grant is counted, never matched to a pod).
    /// </summary>
    public static string PodUid(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!string.IsNullOrEmpty(grant.Spec.PodUid))
        {
            return grant.Spec.PodUid;
        }

        var owner = grant.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Kind == "Pod" && !string.IsNullOrEmpty(o.Uid));
        if (owner is not null)
        {
            return owner.Uid;
        }

        return grant.Metadata?.Labels?.TryGetValue(ApiGroup.PodUidLabel, out var uid) == true ? uid : "";
    }

    /// <summary>The name of the grant's pod: <c>spec.podName</c>, else the part of the grant name before the budget.</summary>
    public static string PodName(ConnectionGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!string.IsNullOrEmpty(grant.Spec.PodName))
        {
            return grant.Spec.PodName;
        }

        var name = grant.Metadata?.Name ?? "";
        var dot = name.LastIndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }
}

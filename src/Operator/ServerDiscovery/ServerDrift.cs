using PoolOperator.Api;
using PoolOperator.Api.Protocol;
using PoolOperator.Operator.Planning;

namespace PoolOperator.Operator.ServerDiscovery;

/// <summary>
/// Compares what the server shows with what the grants allow. The agent's word is not the server's: a connector that
/// broke may leave its backend running, a force-deleted pod on a lost node keeps its backends. Pure.
/// </summary>
public static class ServerDrift
{
    /// <summary>Server connections beyond the holds: the sum over the budget's pods of what each has open beyond its hold.</summary>
    public static int Excess(IReadOnlyList<ConnectionGrant> grants, IReadOnlyDictionary<string, int> connectionsByApplication)
    {
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(connectionsByApplication);
        return grants.Sum(g => connectionsByApplication.TryGetValue(GrantIdentity.PodName(g), out var open) ? Math.Max(0, open - GrantHolds.Held(g)) : 0);
    }

    /// <summary>
    /// The drifts: every pod (by application_name = pod name) with more backends than its grant's hold, and the total
    /// when the budget's pods together have more than the holds; empty when the server agrees.
    /// </summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<ConnectionGrant> grants, IReadOnlyDictionary<string, int> connectionsByApplication)
    {
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(connectionsByApplication);
        if (connectionsByApplication.Count == 0)
        {
            return [];
        }

        var drifts = new List<string>();
        long held = 0, seen = 0;
        foreach (var grant in grants.OrderBy(GrantIdentity.PodName, StringComparer.Ordinal))
        {
            var pod = GrantIdentity.PodName(grant);
            var podHeld = GrantHolds.Held(grant);
            held += podHeld;
            if (connectionsByApplication.TryGetValue(pod, out var open))
            {
                seen += open;
                if (open > podHeld)
                {
                    drifts.Add($"pod {pod} has {open} server connections, its grant allows {podHeld}");
                }
            }
        }

        if (seen > held)
        {
            drifts.Add($"the budget's pods have {seen} server connections, their grants allow {held}");
        }

        return drifts;
    }
}

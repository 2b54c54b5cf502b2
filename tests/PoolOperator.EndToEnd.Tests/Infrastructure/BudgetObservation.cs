using System.Text.Json;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>One live pod of the example, as the kubelet reports it.</summary>
internal sealed record ObservedPod(string Name, string Uid, string? Ip, bool Ready);

/// <summary>One pod's ConnectionGrant: what the operator issued and what the agent acknowledged.</summary>
internal sealed record ObservedGrant(string Name, string PodUid, int Limit, long Generation, string? Phase, int? AppliedLimit, long? ObservedGeneration)
{
    /// <summary>The agent enforces the current limit (protocol v2: Active, applied = limit, this generation).</summary>
    public bool Acknowledged => Phase == "Active" && AppliedLimit == Limit && ObservedGeneration >= Generation;

    public override string ToString() => $"{Name} limit {Limit} gen {Generation}: {Phase ?? "-"} applied {AppliedLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} at gen {ObservedGeneration?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";
}

/// <summary>The example's pods and grants at one moment, read with kubectl, and whether the budget has settled.</summary>
internal sealed record BudgetObservation(IReadOnlyList<ObservedPod> Pods, IReadOnlyList<ObservedGrant> Grants, int Available, string? ReadyCondition)
{
    /// <summary>Reads the pods of <paramref name="selector"/>, the grants of <paramref name="budget"/> and the budget's status.</summary>
    public static async Task<BudgetObservation> ReadAsync(ClusterTools tools, string ns, string selector, string budget)
    {
        var pods = (await tools.JsonAsync("get", "pods", "-n", ns, "-l", selector)).GetProperty("items").EnumerateArray()
            .Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _))
            .Select(p => new ObservedPod(
                p.GetProperty("metadata").GetProperty("name").GetString()!,
                p.GetProperty("metadata").GetProperty("uid").GetString()!,
                p.TryGetProperty("status", out var s) && s.TryGetProperty("podIP", out var ip) ? ip.GetString() : null,
                IsReady(p)))
            .ToList();
        var grants = (await tools.JsonAsync("get", "connectiongrants", "-n", ns, "-l", $"pooloperator.io/budget={budget}")).GetProperty("items").EnumerateArray()
            .Select(ReadGrant)
            .ToList();
        var status = (await tools.JsonAsync("get", "databasebudget", budget, "-n", ns)).TryGetProperty("status", out var st) ? st : default;
        var available = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("available", out var a) ? a.GetInt32() : -1;
        var ready = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("conditions", out var conditions)
            ? conditions.EnumerateArray().Where(c => c.GetProperty("type").GetString() == "Ready").Select(c => c.GetProperty("status").GetString()).FirstOrDefault()
            : null;
        return new BudgetObservation(pods, grants, available, ready);
    }

    /// <summary>
    /// Settled with <paramref name="replicas"/> pods: every pod ready and holding exactly one grant bound to its UID,
    /// acknowledged at its current limit; no grant of a pod that is gone; the budget Ready; and the budget divided
    /// as docs/allocation.md says (all of <see cref="Available"/>, shares differing by at most one).
    /// </summary>
    public bool IsSettled(int replicas) =>
        Pods.Count == replicas
        && Pods.All(p => p.Ready && p.Ip is not null)
        && Grants.Count == replicas
        && Pods.All(p => Grants.Count(g => g.PodUid == p.Uid) == 1)
        && Grants.All(g => g.Acknowledged && g.Limit > 0)
        && Grants.Sum(g => g.Limit) == Available
        && Grants.Max(g => g.Limit) - Grants.Min(g => g.Limit) <= 1
        && ReadyCondition == "True";

    public override string ToString() =>
        $"available {Available}, Ready={ReadyCondition ?? "-"}; pods [{string.Join(", ", Pods.Select(p => $"{p.Name} {p.Ip ?? "no IP"} {(p.Ready ? "ready" : "not ready")}"))}]; " +
        $"grants [{string.Join("; ", Grants)}]";

    private static bool IsReady(JsonElement pod) =>
        pod.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
        && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");

    private static ObservedGrant ReadGrant(JsonElement grant)
    {
        var metadata = grant.GetProperty("metadata");
        var spec = grant.GetProperty("spec");
        var hasStatus = grant.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object;
        return new ObservedGrant(
            metadata.GetProperty("name").GetString()!,
            spec.TryGetProperty("podUID", out var uid) ? uid.GetString() ?? "" : "",
            spec.GetProperty("limit").GetInt32(),
            metadata.GetProperty("generation").GetInt64(),
            hasStatus && status.TryGetProperty("phase", out var phase) ? phase.GetString() : null,
            hasStatus && status.TryGetProperty("appliedLimit", out var applied) ? applied.GetInt32() : null,
            hasStatus && status.TryGetProperty("observedGeneration", out var observed) ? observed.GetInt64() : null);
    }
}

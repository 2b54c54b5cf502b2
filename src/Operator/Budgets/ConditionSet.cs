using k8s.Models;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Builds a status's conditions from the previous ones: a condition whose status does not change
/// keeps its lastTransitionTime, so rewriting the same state writes the same bytes.
/// </summary>
public sealed class ConditionSet
{
    private readonly IReadOnlyList<V1Condition> previous;
    private readonly List<V1Condition> next = [];
    private readonly DateTime now;
    private readonly long? generation;

    /// <summary>Starts from the previous conditions.</summary>
    public ConditionSet(IReadOnlyList<V1Condition>? previous, DateTimeOffset now, long? generation)
    {
        this.previous = previous ?? [];
        this.now = TruncateToSeconds(now.UtcDateTime);
        this.generation = generation;
    }

    /// <summary>Sets a condition.</summary>
    public ConditionSet Set(string type, bool status, string reason, string message)
    {
        var statusText = status ? "True" : "False";
        var old = previous.FirstOrDefault(c => c.Type == type);
        next.RemoveAll(c => c.Type == type);
        next.Add(new V1Condition
        {
            Type = type,
            Status = statusText,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = old is not null && old.Status == statusText ? old.LastTransitionTime : now,
        });
        return this;
    }

    /// <summary>Keeps a previous condition as it is (when this reconcile learned nothing about it).</summary>
    public ConditionSet Keep(string type)
    {
        if (previous.FirstOrDefault(c => c.Type == type) is { } old && next.All(c => c.Type != type))
        {
            next.Add(old);
        }

        return this;
    }

    /// <summary>True when a previous condition of <paramref name="type"/> had status True.</summary>
    public bool WasTrue(string type) => previous.Any(c => c.Type == type && c.Status == "True");

    /// <summary>The conditions, in the order set.</summary>
    public List<V1Condition> ToList() => [.. next];

    // Kubernetes serialises times to the second; comparing with what comes back needs the same precision.
    private static DateTime TruncateToSeconds(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}

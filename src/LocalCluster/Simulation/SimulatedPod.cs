namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// What the planners need to know about one pod of a workload: a flat view of a <c>V1Pod</c>,
/// so the planning rules can be tested without a server.
/// </summary>
/// <param name="Name">The pod's name.</param>
/// <param name="Uid">The pod's uid; deletions carry it as a precondition so a namesake is never hit.</param>
/// <param name="Revision">The template hash the pod was made from.</param>
/// <param name="Ready">Running and Ready.</param>
/// <param name="Terminating">Has a deletionTimestamp.</param>
/// <param name="Ordinal">The StatefulSet ordinal; null for Deployment pods.</param>
/// <param name="Sequence">The simulator's creation stamp, increasing with creation order; 0 when unknown.</param>
/// <param name="Created">The server's creationTimestamp, the tie-breaker when the stamp is missing.</param>
internal sealed record SimulatedPod(
    string Name,
    string Uid,
    string Revision,
    bool Ready,
    bool Terminating,
    int? Ordinal = null,
    long Sequence = 0,
    DateTime? Created = null)
{
    /// <summary>Orders pods newest first, deterministically: stamp, then server time, then name.</summary>
    public static IComparer<SimulatedPod> NewestFirst { get; } = Comparer<SimulatedPod>.Create(static (a, b) =>
    {
        var bySequence = b.Sequence.CompareTo(a.Sequence);
        if (bySequence != 0)
        {
            return bySequence;
        }

        var byCreated = Nullable.Compare(b.Created, a.Created);
        return byCreated != 0 ? byCreated : string.CompareOrdinal(b.Name, a.Name);
    });
}

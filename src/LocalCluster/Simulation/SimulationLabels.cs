namespace PoolOperator.LocalCluster.Simulation;

/// <summary>Labels and annotations the simulator puts on the pods it makes.</summary>
public static class SimulationLabels
{
    /// <summary>The template hash on Deployment pods, as the ReplicaSet controller writes it.</summary>
    public const string PodTemplateHash = "pod-template-hash";

    /// <summary>The revision on StatefulSet pods (<c>name-hash</c>), as the StatefulSet controller writes it.</summary>
    public const string ControllerRevisionHash = "controller-revision-hash";

    /// <summary>The pod's own name on StatefulSet pods.</summary>
    public const string StatefulSetPodName = "statefulset.kubernetes.io/pod-name";

    /// <summary>The ordinal on StatefulSet pods.</summary>
    public const string PodIndex = "apps.kubernetes.io/pod-index";

    /// <summary>
    /// The simulator's creation stamp: increasing with creation order at a finer grain than
    /// creationTimestamp, so "newest first" is deterministic.
    /// </summary>
    public const string SequenceAnnotation = "simulation.pooloperator.io/sequence";
}

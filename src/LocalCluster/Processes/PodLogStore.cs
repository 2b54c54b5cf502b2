using System.Collections.Concurrent;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The logs of every process pod's containers, the current run and the one before (for
/// <c>kubectl logs --previous</c>), by namespace, pod name and container. A pod's logs go with the pod.
/// </summary>
internal sealed class PodLogStore
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Container), (ContainerLog Current, ContainerLog? Previous)> _logs = new();

    /// <summary>Starts a new run's log for a container; the current one becomes the previous one.</summary>
    public ContainerLog StartRun(string @namespace, string pod, string container)
    {
        var fresh = new ContainerLog();
        _logs.AddOrUpdate((@namespace, pod, container), _ => (fresh, null), (_, old) => (fresh, old.Current));
        return fresh;
    }

    /// <summary>The current (or previous) run's log, or null when there is none.</summary>
    public ContainerLog? Find(string @namespace, string pod, string container, bool previous) =>
        _logs.TryGetValue((@namespace, pod, container), out var logs) ? previous ? logs.Previous : logs.Current : null;

    /// <summary>Forgets a pod's logs.</summary>
    public void Remove(string @namespace, string pod)
    {
        foreach (var key in _logs.Keys.Where(k => k.Namespace == @namespace && k.Pod == pod).ToList())
        {
            if (_logs.TryRemove(key, out var logs))
            {
                logs.Current.Complete();
            }
        }
    }
}

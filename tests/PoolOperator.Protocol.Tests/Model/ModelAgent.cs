using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.Protocol.Tests.Model;

/// <summary>
/// One agent process of one pod: the real <see cref="GrantFollower"/> decides; this class only holds what the process
/// physically has open (gate admissions plus idle pool connections) and where its grant watch stands.
/// </summary>
public sealed class ModelAgent
{
    /// <summary>Starts the process of pod <paramref name="podUid"/>.</summary>
    public ModelAgent(string podUid, string podName, int incarnation)
    {
        PodUid = podUid;
        PodName = podName;
        Incarnation = incarnation;
        Follower = new GrantFollower(podUid);
    }

    /// <summary>The pod's UID.</summary>
    public string PodUid { get; }

    /// <summary>The pod's name: its grant's name derives from it.</summary>
    public string PodName { get; }

    /// <summary>Counts the processes of the pod (restarts).</summary>
    public int Incarnation { get; }

    /// <summary>The real protocol rules of the agent.</summary>
    public GrantFollower Follower { get; }

    /// <summary>Connections the process could hold now: admitted by the gate plus idle in the pool.</summary>
    public int Open { get; set; }

    /// <summary>The resourceVersion up to which its watch delivered events.</summary>
    public long SeenRv { get; set; }

    /// <summary>The grant's name.</summary>
    public string GrantName => ApiGroup.GrantName(PodName, Convert.BudgetName);

    /// <summary>True once the process exited after its release (SIGTERM handled).</summary>
    public bool Exited { get; set; }
}

using System.Globalization;
using System.Text;
using PoolOperator.Api;
using PoolOperator.Api.Protocol;

namespace PoolOperator.Protocol.Tests.Model;

/// <summary>What can happen next; faults are the kinds a real cluster allows and the checker counts.</summary>
public enum ActionKind
{
    /// <summary>The leader reconciles (decide with the real code, queue the writes).</summary>
    Reconcile,

    /// <summary>The leader's next request reaches the API.</summary>
    Deliver,

    /// <summary>Grant watch events reach the leader's cache (Flag: all of them, coalesced; else the next one).</summary>
    SyncGrants,

    /// <summary>Pod watch events reach the leader's cache.</summary>
    SyncPods,

    /// <summary>Fault: the leader is replaced (restart or leader change); its request in flight may land late.</summary>
    LeaderChange,

    /// <summary>Fault: a request of a deposed leader lands.</summary>
    LateWrite,

    /// <summary>Fault: the HPA writes the scale (before its status); the ReplicaSet follows later.</summary>
    HpaScaleUp,

    /// <summary>The HPA scales down.</summary>
    HpaScaleDown,

    /// <summary>The ReplicaSet creates a pod for a missing replica (Flag: a surge pod beyond the replicas).</summary>
    CreatePod,

    /// <summary>The ReplicaSet deletes a surplus pod (it becomes Terminating).</summary>
    TerminatePod,

    /// <summary>A pod's containers start running.</summary>
    PodRunning,

    /// <summary>A pod's agent process starts (again after a crash).</summary>
    AgentStart,

    /// <summary>The agent's grant watch delivers (Flag: up to the newest version; else the next one).</summary>
    AgentObserve,

    /// <summary>The application opens connections up to the gate's limit.</summary>
    AgentOpen,

    /// <summary>A busy connection above the limit comes back and is closed.</summary>
    AgentClose,

    /// <summary>The agent measures what it could hold.</summary>
    AgentMeasure,

    /// <summary>The agent writes its pending acknowledgement.</summary>
    AgentAck,

    /// <summary>Fault: the agent process crashes (between apply and acknowledge when one is pending).</summary>
    AgentCrash,

    /// <summary>The kubelet sends SIGTERM to a Terminating pod's agent.</summary>
    AgentStop,

    /// <summary>The agent process exits (Flag: killed at the end of the grace period).</summary>
    AgentExit,

    /// <summary>The pod object is removed once its processes are gone.</summary>
    RemovePod,

    /// <summary>Fault: late garbage collection deletes a grant whose owner pod is gone.</summary>
    GarbageCollect,

    /// <summary>
    /// Fault: the pod is force-deleted (a lost node): the object goes, its process keeps running and holding, and its
    /// agent may still reach the API.
    /// </summary>
    ForceDelete,

    /// <summary>The process of a force-deleted pod ends at last (the node is back and kills it).</summary>
    OrphanExit,

    /// <summary>Fault: a pod is relabelled out of the workload's selector.</summary>
    RelabelOut,

    /// <summary>Fault: a connection breaks: the pool forgets it, its backend lingers on the server.</summary>
    BreakConnection,

    /// <summary>The server reaps a lingering backend.</summary>
    ReapBackend,

    /// <summary>Fault: the server fills up (other clients), so the operator's discovery connection fails; Flag off empties it.</summary>
    ServerFull,
}

/// <summary>One step of a schedule.</summary>
/// <param name="Kind">What happens.</param>
/// <param name="Index">Which pod slot (or late write) it concerns; -1 for none.</param>
/// <param name="Flag">The kind's variant (see <see cref="ActionKind"/>).</param>
public sealed record SimAction(ActionKind Kind, int Index = -1, bool Flag = false)
{
    /// <inheritdoc />
    public override string ToString() => Kind + (Index >= 0 ? "(" + Index.ToString(CultureInfo.InvariantCulture) + ")" : "") + (Flag ? "!" : "");
}

/// <summary>How much of each fault a run may inject, and the size of the world.</summary>
public sealed record WorldScope
{
    /// <summary>The budget's capacity.</summary>
    public int Available { get; init; } = 10;

    /// <summary>Pod names p0..p(n-1): a new pod takes the lowest free name, so names are reused (recreated pods).</summary>
    public int PodNames { get; init; } = 4;

    /// <summary>The most replicas the HPA sets.</summary>
    public int MaxReplicas { get; init; } = 3;

    /// <summary>Budget of each fault kind in one run.</summary>
    public IReadOnlyDictionary<ActionKind, int> FaultBudget { get; init; } = new Dictionary<ActionKind, int>
    {
        [ActionKind.LeaderChange] = 3,
        [ActionKind.HpaScaleUp] = 6,
        [ActionKind.HpaScaleDown] = 6,
        [ActionKind.AgentCrash] = 3,
        [ActionKind.RelabelOut] = 1,
        [ActionKind.BreakConnection] = 3,
        [ActionKind.ForceDelete] = 1,
        [ActionKind.ServerFull] = 2,
        [ActionKind.CreatePod] = 12,
    };

    /// <summary>Surge pods (beyond the replicas) allowed in one run.</summary>
    public int Surges { get; init; } = 2;

    /// <summary>Whether watch deliveries may be one event at a time (more interleavings) besides coalesced.</summary>
    public bool StepwiseWatches { get; init; } = true;

    /// <summary>Whether grants carry the operator's hold finalizer (false only to show the checker catches its absence).</summary>
    public bool GrantFinalizers { get; init; } = true;

    /// <summary>
    /// Whether a leader term fences the budget's grants (the term annotation, with their resourceVersions) before its
    /// raises (false only to show what the fence prevents: a deposed leader's write landing after the new leader's).
    /// </summary>
    public bool Fence { get; init; } = true;
}

/// <summary>
/// The whole model: API, server, agents, leader; every action a real cluster allows, and the invariant checked after
/// each: what the agents physically could hold (gate admissions plus pool connections) sums to at most available.
/// </summary>
public sealed class World
{
    private readonly WorldScope scope;
    private readonly Decider decide;
    private readonly Dictionary<ActionKind, int> used = [];
    private readonly List<WriteOp> late = [];
    private readonly ModelAgent?[] agents;
    private readonly int[] incarnations;
    private readonly Dictionary<string, int> lingering = new(StringComparer.Ordinal);
    private int uids;
    private int terms;
    private int surges;
    private bool serverFull;

    /// <summary>Creates the world with a leader and no pods.</summary>
    public World(WorldScope scope, Decider decide)
    {
        this.scope = scope;
        this.decide = decide;
        agents = new ModelAgent?[scope.PodNames];
        incarnations = new int[scope.PodNames];
        Api = new ModelApi(scope.GrantFinalizers);
        Leader = new ModelOperator(++terms, Api, 0, decide, scope.Fence);
    }

    /// <summary>The API.</summary>
    public ModelApi Api { get; }

    /// <summary>The current leader.</summary>
    public ModelOperator Leader { get; private set; }

    /// <summary>Faults injected so far, by kind.</summary>
    public IReadOnlyDictionary<ActionKind, int> Used => used;

    /// <summary>What the agents physically could hold now.</summary>
    public int PhysicallyHeld => agents.Sum(a => a?.Open ?? 0);

    /// <summary>True while the invariant holds.</summary>
    public bool InvariantHolds => PhysicallyHeld <= scope.Available;

    /// <summary>
    /// Starts settled: <paramref name="pods"/> running pods, each with a grant at its share acknowledged, its agent
    /// holding its share; the leader's caches are current.
    /// </summary>
    public void StartSettled(int pods, Func<int, int> share)
    {
        Api.SetDesired(pods);
        for (var i = 0; i < pods; i++)
        {
            var name = "p" + i.ToString(CultureInfo.InvariantCulture);
            var uid = "u" + ++uids;
            Api.PutPod(new PodRec(uid, name, true, true, false, 0));
            var grantName = ApiGroup.GrantName(name, Convert.BudgetName);
            var (_, created) = Api.CreateGrant(grantName, uid, name, "t0");
            var limit = share(i);
            var (_, raised) = Api.PatchSpec(grantName, created!.Rv, limit, limit, "t0");
            Api.PatchStatus(grantName, new StatusRec(GrantPhases.Active, limit, raised!.Generation));
            var agent = new ModelAgent(uid, name, ++incarnations[i]);
            agent.Follower.Observe(Convert.Grant(Api.Now.Grants[grantName]));
            agent.Follower.Written(agent.Follower.PendingAcknowledgement!);
            agent.Open = limit;
            agents[i] = agent;
        }

        used[ActionKind.HpaScaleUp] = pods;
        used[ActionKind.CreatePod] = pods;
        Api.LastKnownUsable = scope.Available;
        foreach (var a in agents.Where(a => a is not null))
        {
            a!.SeenRv = Api.Now.Rv;
        }

        Leader = new ModelOperator(++terms, Api, Api.Now.Rv, decide, scope.Fence);
    }

    /// <summary>Every action possible now, in a fixed order.</summary>
    public List<SimAction> Enabled()
    {
        var list = new List<SimAction>();
        var now = Api.Now;
        if (Leader.Writing)
        {
            list.Add(new(ActionKind.Deliver));
        }
        else
        {
            list.Add(new(ActionKind.Reconcile));
        }

        AddSync(list, ActionKind.SyncGrants, Leader.Grants.Rv, now.Rv);
        AddSync(list, ActionKind.SyncPods, Leader.Pods.Rv, now.Rv);
        if (CanFault(ActionKind.LeaderChange))
        {
            list.Add(new(ActionKind.LeaderChange));
            if (Leader.Pods.Rv < now.Rv)
            {
                list.Add(new(ActionKind.LeaderChange, Flag: true));
            }
        }

        for (var i = 0; i < late.Count; i++)
        {
            list.Add(new(ActionKind.LateWrite, i));
        }

        var live = now.Pods.Values.Count(p => !p.Deleting && p.InWorkload);
        if (CanFault(ActionKind.HpaScaleUp) && now.DesiredReplicas < scope.MaxReplicas)
        {
            list.Add(new(ActionKind.HpaScaleUp));
        }

        if (CanFault(ActionKind.HpaScaleDown) && now.DesiredReplicas > 0)
        {
            list.Add(new(ActionKind.HpaScaleDown));
        }

        var free = FreeName();
        if (free >= 0 && CanFault(ActionKind.CreatePod))
        {
            if (live < now.DesiredReplicas)
            {
                list.Add(new(ActionKind.CreatePod, free));
            }
            else if (surges < scope.Surges && now.DesiredReplicas > 0)
            {
                list.Add(new(ActionKind.CreatePod, free, true));
            }
        }

        if (CanFault(ActionKind.ServerFull))
        {
            list.Add(new(ActionKind.ServerFull, Flag: !serverFull));
        }

        foreach (var (name, _) in lingering.Where(l => l.Value > 0))
        {
            list.Add(new(ActionKind.ReapBackend, Slot(name)));
        }

        for (var i = 0; i < scope.PodNames; i++)
        {
            AddPodActions(list, i, now, live);
        }

        foreach (var grant in now.Grants.Values.Where(g => !g.Marked && !now.Pods.Values.Any(p => p.Uid == g.PodUid)).OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            list.Add(new(ActionKind.GarbageCollect, Slot(grant.PodName)));
        }

        return list;
    }

    /// <summary>Performs <paramref name="action"/>; returns what happened, for the schedule.</summary>
    public string Do(SimAction action)
    {
        var now = Api.Now;
        var name = action.Index >= 0 ? "p" + action.Index.ToString(CultureInfo.InvariantCulture) : "";
        var agent = action.Index >= 0 && action.Index < agents.Length ? agents[action.Index] : null;
        now.Pods.TryGetValue(name, out var pod);
        switch (action.Kind)
        {
            case ActionKind.Reconcile:
                return Leader.Reconcile(Api, scope.Available, ServerReadable(), Activity());
            case ActionKind.Deliver:
                return Leader.Deliver(Api);
            case ActionKind.SyncGrants:
                Leader.Grants.SyncTo(action.Flag ? now.Rv : NextRv(Leader.Grants.Rv));
                return "grants cache at " + Leader.Grants.Rv;
            case ActionKind.SyncPods:
                Leader.Pods.SyncTo(action.Flag ? now.Rv : NextRv(Leader.Pods.Rv));
                return "pods cache at " + Leader.Pods.Rv;
            case ActionKind.LeaderChange:
                Count(action.Kind);
                if (Leader.Writing)
                {
                    // The request in flight when the term ended may still land; the rest are never sent.
                    late.Add(Leader.Pending.Dequeue());
                }

                // The new leader reads every grant afresh; its pod list may come from an older resourceVersion.
                var podListRv = action.Flag ? Leader.Pods.Rv : now.Rv;
                Leader = new ModelOperator(++terms, Api, podListRv, decide, scope.Fence);
                return $"leader term {Leader.Term}, pods listed at {podListRv}";
            case ActionKind.LateWrite:
                Count(action.Kind);
                var op = late[action.Index];
                late.RemoveAt(action.Index);
                return "late: " + op.Run(Api);
            case ActionKind.HpaScaleUp:
                Count(action.Kind);
                Api.SetDesired(now.DesiredReplicas + 1);
                return "scale to " + Api.Now.DesiredReplicas;
            case ActionKind.HpaScaleDown:
                Count(action.Kind);
                Api.SetDesired(now.DesiredReplicas - 1);
                return "scale to " + Api.Now.DesiredReplicas;
            case ActionKind.CreatePod:
                Count(action.Kind);
                if (action.Flag)
                {
                    surges++;
                    Count("Surge");
                }

                if (incarnations[action.Index] > 0 || agents[action.Index] is not null)
                {
                    Count("RecreatedSameName");
                }

                agents[action.Index] = null;
                incarnations[action.Index] = 0;
                var uid = "u" + ++uids;
                Api.PutPod(new PodRec(uid, name, true, false, false, 0));
                return $"pod {name} created as {uid}";
            case ActionKind.TerminatePod:
                Api.PutPod(pod! with { Deleting = true });
                return $"pod {name} terminating";
            case ActionKind.PodRunning:
                Api.PutPod(pod! with { Running = true });
                return $"pod {name} running";
            case ActionKind.AgentStart:
                if (incarnations[action.Index] > 0)
                {
                    Count("AgentRestart");
                }

                agents[action.Index] = new ModelAgent(pod!.Uid, name, ++incarnations[action.Index]) { SeenRv = now.Rv };
                return $"agent {name}#{incarnations[action.Index]} starts";
            case ActionKind.AgentObserve:
                return Observe(agent!, action.Flag);
            case ActionKind.AgentOpen:
                agent!.Open = agent.Follower.Limit;
                return $"{name} opens to {agent.Open}";
            case ActionKind.AgentClose:
                agent!.Open--;
                return $"{name} closes to {agent.Open}";
            case ActionKind.AgentMeasure:
                agent!.Follower.Measured(agent.Open);
                return $"{name} measures {agent.Open}";
            case ActionKind.AgentAck:
                return Acknowledge(agent!);
            case ActionKind.AgentCrash:
                Count(action.Kind);
                if (agent!.Follower.PendingAcknowledgement is not null || agent.Follower.MeasurementNeeded)
                {
                    Count("CrashBeforeAcknowledge");
                }

                agents[action.Index] = null;
                return $"agent {name} crashes";
            case ActionKind.AgentStop:
                agent!.Follower.Stop();
                return $"agent {name} stopping";
            case ActionKind.AgentExit:
                if (action.Flag)
                {
                    Count("KilledAtGrace");
                }

                agent!.Open = 0;
                agent.Exited = true;
                return $"agent {name} exits";
            case ActionKind.RemovePod:
                agents[action.Index] = null;
                Api.RemovePod(name, stopped: true);
                return $"pod {name} removed";
            case ActionKind.ForceDelete:
                Count(action.Kind);
                Api.RemovePod(name, stopped: false);
                return $"pod {name} force-deleted; its process runs on";
            case ActionKind.OrphanExit:
                agents[action.Index] = null;
                return $"the orphaned process of {name} ends";
            case ActionKind.GarbageCollect:
                Count(action.Kind);
                var orphan = now.Grants.Values.First(g => g.PodName == name && !now.Pods.Values.Any(p => p.Uid == g.PodUid));
                return $"gc {orphan.Name}: {Api.DeleteGrant(orphan.Name, null, null)}";
            case ActionKind.RelabelOut:
                Count(action.Kind);
                Api.PutPod(pod! with { InWorkload = false });
                return $"pod {name} relabelled out";
            case ActionKind.BreakConnection:
                Count(action.Kind);
                agent!.Open--;
                lingering[name] = lingering.GetValueOrDefault(name) + 1;
                return $"{name} loses a connection; its backend lingers";
            case ActionKind.ReapBackend:
                lingering[name]--;
                return $"server reaps a backend of {name}";
            case ActionKind.ServerFull:
                Count(action.Kind);
                serverFull = action.Flag;
                return serverFull ? "server full" : "server has room";
            default:
                throw new InvalidOperationException("unknown action " + action);
        }
    }

    /// <summary>A fingerprint of the whole state, for the exhaustive search's visited set.</summary>
    public string Fingerprint()
    {
        var text = new StringBuilder();
        var now = Api.Now;

        // Readers only move forward from where they are: the states from the oldest reader's position on decide
        // everything still to come.
        var oldest = Math.Min(Leader.Grants.Rv, Leader.Pods.Rv);
        foreach (var a in agents.Where(a => a is not null))
        {
            oldest = Math.Min(oldest, a!.SeenRv);
        }

        for (var rv = oldest; rv <= now.Rv; rv++)
        {
            var state = Api.At(rv);
            text.Append(CultureInfo.InvariantCulture, $"@{rv}:{state.DesiredReplicas}:{string.Join(",", state.Stopped.Order(StringComparer.Ordinal))}|");
            foreach (var p in state.Pods.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"P{p.Name}:{p.Uid}:{p.InWorkload}:{p.Running}:{p.Deleting}:{p.Rv};");
            }

            foreach (var g in state.Grants.Values.OrderBy(g => g.Name, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"G{g.Name}:{g.ObjectUid}:{g.PodUid}:{g.Limit}:{g.Hold}:{g.Generation}:{g.Status}:{g.Term}:{g.Rv}:{g.Finalizer}:{g.Marked};");
            }
        }

        foreach (var a in agents)
        {
            text.Append(a is null ? "A-;" : FormattableString.Invariant($"A{a.Incarnation}:{a.Open}:{a.Follower.Limit}:{a.Follower.Generation}:{a.Follower.PendingAcknowledgement}:{a.Follower.MeasurementNeeded}:{a.Follower.Stopping}:{a.Follower.HasGrant}:{a.Exited}:{a.SeenRv};"));
        }

        text.Append(string.Join(",", incarnations));
        text.Append(CultureInfo.InvariantCulture, $"L{Leader.Term}:{Leader.Grants.Rv}:{Leader.Pods.Rv}|");
        foreach (var (key, value) in Leader.Grants.View(Api).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}@{value.Rv};");
        }

        foreach (var (key, value) in Leader.Pods.View(Api).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}@{value.Rv};");
        }

        text.Append(string.Join(",", Leader.Pending.Select(o => o.Label))).Append('|').Append(string.Join(",", late.Select(o => o.Label)));
        text.Append(CultureInfo.InvariantCulture, $"|{serverFull}:{surges}:{Api.LastKnownUsable}:{string.Join(",", lingering.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value))}:{string.Join(",", used.OrderBy(u => u.Key).Select(u => u.Key + "=" + u.Value))}");
        return text.ToString();
    }

    private bool CanFault(ActionKind kind) => !scope.FaultBudget.TryGetValue(kind, out var max) || used.GetValueOrDefault(kind) < max;

    private void Count(ActionKind kind) => used[kind] = used.GetValueOrDefault(kind) + 1;

    private void Count(string what) => Counters[what] = Counters.GetValueOrDefault(what) + 1;

    /// <summary>Derived fault counts (surges, recreated names, crashes before acknowledging, kills at grace...).</summary>
    public Dictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);

    private void AddSync(List<SimAction> list, ActionKind kind, long cached, long now)
    {
        if (cached < now)
        {
            list.Add(new(kind, Flag: true));
            if (scope.StepwiseWatches && NextRv(cached) < now)
            {
                list.Add(new(kind));
            }
        }
    }

    private void AddPodActions(List<SimAction> list, int i, ApiState now, int live)
    {
        var name = "p" + i.ToString(CultureInfo.InvariantCulture);
        var agent = agents[i];
        if (!now.Pods.TryGetValue(name, out var pod))
        {
            if (agent is not null)
            {
                // The process of a force-deleted pod: it follows its grant as long as it runs.
                list.Add(new(ActionKind.OrphanExit, i));
                AddAgentActions(list, i, agent, now);
            }

            return;
        }

        if (!pod.Deleting && pod.InWorkload && live > now.DesiredReplicas)
        {
            list.Add(new(ActionKind.TerminatePod, i));
        }

        if (!pod.Running && !pod.Deleting)
        {
            list.Add(new(ActionKind.PodRunning, i));
        }

        if (agent is null)
        {
            if (!pod.Deleting)
            {
                list.Add(new(ActionKind.AgentStart, i));
            }

            if (pod.Deleting)
            {
                list.Add(new(ActionKind.RemovePod, i));
            }

            return;
        }

        if (agent.Exited)
        {
            list.Add(new(ActionKind.RemovePod, i));
            return;
        }

        if (CanFault(ActionKind.ForceDelete))
        {
            list.Add(new(ActionKind.ForceDelete, i));
        }

        AddAgentActions(list, i, agent, now);
        AddProcessActions(list, i, agent, pod);
    }

    private void AddAgentActions(List<SimAction> list, int i, ModelAgent agent, ApiState now)
    {
        if (agent.SeenRv < now.Rv)
        {
            list.Add(new(ActionKind.AgentObserve, i, true));
            if (scope.StepwiseWatches && NextRv(agent.SeenRv) < now.Rv)
            {
                list.Add(new(ActionKind.AgentObserve, i));
            }
        }

        if (agent.Open < agent.Follower.Limit)
        {
            list.Add(new(ActionKind.AgentOpen, i));
        }

        if (agent.Open > agent.Follower.Limit)
        {
            list.Add(new(ActionKind.AgentClose, i));
        }

        if (agent.Follower.MeasurementNeeded)
        {
            list.Add(new(ActionKind.AgentMeasure, i));
        }

        if (agent.Follower.PendingAcknowledgement is not null)
        {
            list.Add(new(ActionKind.AgentAck, i));
        }
    }

    private void AddProcessActions(List<SimAction> list, int i, ModelAgent agent, PodRec pod)
    {
        if (CanFault(ActionKind.AgentCrash))
        {
            list.Add(new(ActionKind.AgentCrash, i));
        }

        if (pod.Deleting && !agent.Follower.Stopping)
        {
            list.Add(new(ActionKind.AgentStop, i));
        }

        if (agent.Follower.Stopping)
        {
            var released = agent.Follower.PendingAcknowledgement is null && !agent.Follower.MeasurementNeeded;
            list.Add(new(ActionKind.AgentExit, i, !released));
        }

        if (pod.InWorkload && !pod.Deleting && CanFault(ActionKind.RelabelOut))
        {
            list.Add(new(ActionKind.RelabelOut, i));
        }

        if (agent.Open > 0 && CanFault(ActionKind.BreakConnection))
        {
            list.Add(new(ActionKind.BreakConnection, i));
        }
    }

    private string Observe(ModelAgent agent, bool newest)
    {
        var rv = newest ? Api.Now.Rv : NextRv(agent.SeenRv);
        if (!newest)
        {
            Count("StepwiseWatch");
        }

        agent.SeenRv = rv;
        var state = Api.At(rv);
        if (state.Grants.TryGetValue(agent.GrantName, out var rec) && rec.PodUid == agent.PodUid)
        {
            var taken = agent.Follower.Observe(Convert.Grant(rec));
            return $"{agent.PodName} sees gen {rec.Generation} limit {rec.Limit} at {rv}: " + (taken ? $"gate {agent.Follower.Limit}" : "nothing new");
        }

        // No grant of this name bound to this pod (none, or an earlier pod's): whatever it followed is gone.
        if (agent.Follower.HasGrant)
        {
            agent.Follower.GrantDeleted();
            return $"{agent.PodName} sees its grant gone at {rv}: gate 0";
        }

        return $"{agent.PodName} sees no grant of its own at {rv}";
    }

    private string Acknowledge(ModelAgent agent)
    {
        var ack = agent.Follower.PendingAcknowledgement!;
        var now = Api.Now;
        if (!now.Grants.TryGetValue(agent.GrantName, out var rec) || rec.PodUid != agent.PodUid)
        {
            return $"{agent.PodName} ack {ack.Phase}/{ack.AppliedLimit}@{ack.ObservedGeneration}: grant gone (retried)";
        }

        Api.PatchStatus(agent.GrantName, new StatusRec(ack.Phase, ack.AppliedLimit, ack.ObservedGeneration));
        agent.Follower.Written(ack);
        return $"{agent.PodName} ack {ack.Phase}/{ack.AppliedLimit}@{ack.ObservedGeneration}";
    }

    private bool ServerReadable()
    {
        // The discovery connection needs a free slot: none when the server is full, whoever filled it.
        var server = PhysicallyHeld + lingering.Values.Sum();
        if (serverFull || server >= scope.Available)
        {
            Count("DiscoveryFailed");
            return false;
        }

        return true;
    }

    private Dictionary<string, int> Activity()
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in agents.Where(a => a is not null && a.Open > 0))
        {
            byName[a!.PodName] = byName.GetValueOrDefault(a.PodName) + a.Open;
        }

        foreach (var (name, count) in lingering.Where(l => l.Value > 0))
        {
            byName[name] = byName.GetValueOrDefault(name) + count;
        }

        return byName;
    }

    private long NextRv(long rv) => Math.Min(Api.Now.Rv, rv + 1);

    private int FreeName()
    {
        for (var i = 0; i < scope.PodNames; i++)
        {
            // A name is reused only once the process of a force-deleted pod of that name ended (a model limit: a
            // StatefulSet recreates at once, and the new pod's grant then waits for the old one's release anyway).
            if (!Api.Now.Pods.ContainsKey("p" + i.ToString(CultureInfo.InvariantCulture)) && agents[i] is null)
            {
                return i;
            }
        }

        return -1;
    }

    private static int Slot(string podName) => int.Parse(podName.AsSpan(1), CultureInfo.InvariantCulture);
}

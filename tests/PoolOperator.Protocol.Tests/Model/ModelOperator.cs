using PoolOperator.Api;
using PoolOperator.Operator.Budgets;
using PoolOperator.Operator.Planning;
using PoolOperator.Operator.ServerDiscovery;

namespace PoolOperator.Protocol.Tests.Model;

/// <summary>The reconcile decision under test: the real <see cref="BudgetDecision.Decide"/>, or a broken one to prove the checker.</summary>
public delegate BudgetDecisionResult Decider(BudgetSnapshot snapshot, int available, bool raisesAllowed);

/// <summary>
/// An informer cache of one kind: the API's state at some resourceVersion (events up to there were delivered, later
/// ones are delayed), overlaid with the operator's own writes (write-through), the newer version winning.
/// </summary>
/// <typeparam name="T">Pod or grant records.</typeparam>
public sealed class ModelCache<T>
    where T : class
{
    private readonly Func<ApiState, IReadOnlyDictionary<string, T>> select;
    private readonly Func<T, long> rvOf;
    private readonly Dictionary<string, (long Rv, T? Value)> overlay = new(StringComparer.Ordinal);

    /// <summary>Creates a cache that listed at <paramref name="rv"/>.</summary>
    public ModelCache(Func<ApiState, IReadOnlyDictionary<string, T>> select, Func<T, long> rvOf, long rv)
    {
        this.select = select;
        this.rvOf = rvOf;
        Rv = rv;
    }

    /// <summary>Up to where events were delivered.</summary>
    public long Rv { get; private set; }

    /// <summary>Delivers the events up to <paramref name="rv"/> (coalesced: intermediate versions are skipped).</summary>
    public void SyncTo(long rv)
    {
        if (rv <= Rv)
        {
            return;
        }

        Rv = rv;
        foreach (var key in overlay.Where(o => o.Value.Rv <= rv).Select(o => o.Key).ToList())
        {
            overlay.Remove(key);
        }
    }

    /// <summary>The operator's own write (or delete, with <paramref name="value"/> null) at <paramref name="rv"/>.</summary>
    public void WriteThrough(string key, long rv, T? value) => overlay[key] = (rv, value);

    /// <summary>What the operator sees.</summary>
    public IReadOnlyDictionary<string, T> View(ModelApi api)
    {
        var view = new Dictionary<string, T>(select(api.At(Rv)), StringComparer.Ordinal);
        foreach (var (key, (rv, value)) in overlay)
        {
            if (value is null)
            {
                if (view.TryGetValue(key, out var cached) && rvOf(cached) < rv)
                {
                    view.Remove(key);
                }
            }
            else if (!view.TryGetValue(key, out var cached) || rvOf(cached) < rv)
            {
                view[key] = value;
            }
        }

        return view;
    }
}

/// <summary>One API request of a reconcile's write phase.</summary>
/// <param name="Label">What it is, with its preconditions (for fingerprints and schedules).</param>
/// <param name="Run">Sends it; returns what happened.</param>
public sealed record WriteOp(string Label, Func<ModelApi, string> Run);

/// <summary>
/// One operator replica while it leads: caches, a term, and the write phase of its current reconcile as a queue of
/// single requests (the real writer awaits each before the next). Decisions come from the real decision code.
/// </summary>
public sealed class ModelOperator
{
    private readonly Decider decide;
    private readonly bool fence;
    private readonly Queue<WriteOp> pending = new();
    private readonly Dictionary<string, long> rvs = new(StringComparer.Ordinal);

    // Grants a write of this term landed on in the current reconcile (a shrink carries the term): no fence needed.
    private readonly HashSet<string> writtenInTerm = new(StringComparer.Ordinal);

    // Pods removed before this leader's pod list were never seen to stop by it: no evidence (memory only).
    private readonly IReadOnlySet<string> stoppedBeforeStart;

    /// <summary>A new replica takes the lead: grants listed afresh, pods listed at <paramref name="podListRv"/>.</summary>
    /// <param name="term">Its leader term.</param>
    /// <param name="api">The API it lists from.</param>
    /// <param name="podListRv">Where its pod list stands.</param>
    /// <param name="decide">The decision under test.</param>
    /// <param name="fence">Whether it fences grants before raises (false: the design without the fence, for the checker's test).</param>
    public ModelOperator(int term, ModelApi api, long podListRv, Decider decide, bool fence)
    {
        Term = "t" + term;
        this.decide = decide;
        this.fence = fence;
        Grants = new ModelCache<GrantRec>(s => s.Grants, g => g.Rv, api.Now.Rv);
        Pods = new ModelCache<PodRec>(s => s.Pods, p => p.Rv, podListRv);
        stoppedBeforeStart = api.At(podListRv).Stopped;
    }

    /// <summary>The leader term.</summary>
    public string Term { get; }

    /// <summary>The grant cache.</summary>
    public ModelCache<GrantRec> Grants { get; }

    /// <summary>The pod cache.</summary>
    public ModelCache<PodRec> Pods { get; }

    /// <summary>True while a reconcile's writes are still to be sent.</summary>
    public bool Writing => pending.Count > 0;

    /// <summary>The requests of the current reconcile not sent yet, in order.</summary>
    public Queue<WriteOp> Pending => pending;

    /// <summary>Reconciles: gathers from the caches, decides with the real code, queues the writes.</summary>
    /// <returns>A summary of the plan, for the schedule.</returns>
    public string Reconcile(ModelApi api, int available, bool serverReadable, IReadOnlyDictionary<string, int> activity)
    {
        int usable;
        if (serverReadable)
        {
            usable = available;
            api.LastKnownUsable = available;
        }
        else if (api.LastKnownUsable is { } last)
        {
            usable = last;
        }
        else
        {
            return "reconcile: server unreachable, nothing known";
        }

        var pods = Pods.View(api);
        var grants = Grants.View(api);
        var budget = new DatabaseBudget { Metadata = new() { Name = Convert.BudgetName, NamespaceProperty = Convert.Namespace } };
        var workload = new BudgetWorkload { Name = "api" };
        var workloadPods = pods.Values.Where(p => p.InWorkload).OrderBy(p => p.Name, StringComparer.Ordinal).Select(Convert.Pod).ToList();
        var grantObjects = grants.Values.OrderBy(g => g.Name, StringComparer.Ordinal).Select(Convert.Grant).ToList();
        var snapshot = new BudgetSnapshot(
            budget,
            [new WorkloadResources(workload, true, api.Now.DesiredReplicas, null, null, workloadPods)],
            grantObjects,
            pods.Values.ToDictionary(p => p.Uid, Convert.Pod, StringComparer.Ordinal))
        {
            // What this leader's pod watch showed stopping (terminal phase) since its list.
            StoppedPods = api.At(Pods.Rv).Stopped.Where(uid => !stoppedBeforeStart.Contains(uid)).ToHashSet(StringComparer.Ordinal),
        };
        var drift = serverReadable ? ServerDrift.Find(grantObjects, activity) : [];
        var decision = decide(snapshot, usable, serverReadable && drift.Count == 0);
        Queue(api, decision.Plan, grants, pods);
        var plan = decision.Plan;
        return $"reconcile: {plan.Deletes.Count}d {plan.Shrinks.Count}s {plan.Creates.Count}c {plan.Raises.Count}r"
            + (serverReadable ? "" : " (server unreadable)") + (drift.Count > 0 ? " (drift)" : "");
    }

    /// <summary>Sends the next request of the write phase.</summary>
    public string Deliver(ModelApi api) => pending.Dequeue().Run(api);

    private void Queue(ModelApi api, GrantPlan plan, IReadOnlyDictionary<string, GrantRec> grants, IReadOnlyDictionary<string, PodRec> pods)
    {
        var byUid = grants.Values.GroupBy(g => g.PodUid).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        rvs.Clear();
        writtenInTerm.Clear();
        foreach (var g in grants.Values)
        {
            rvs[g.Name] = g.Rv;
        }

        foreach (var delete in plan.Deletes)
        {
            var grant = byUid[delete.PodUid];
            var reason = delete.Reason;
            var releases = delete.ReleasesHold;
            pending.Enqueue(new WriteOp($"delete {grant.Name}@{grant.Rv}" + (releases ? " releasing" : ""), a =>
            {
                if (reason == DeleteReason.PodGone && a.Now.Pods.TryGetValue(grant.PodName, out var live) && live.Uid == grant.PodUid)
                {
                    return $"delete {grant.Name}: pod alive, kept";
                }

                // As BudgetUpdate: a release removes the finalizer first (the grant then goes, or is deleted at once);
                // otherwise the delete only marks it.
                var rv = grant.Rv;
                if (releases && grant.Finalizer)
                {
                    var (removed, rec) = a.RemoveFinalizer(grant.Name, rv);
                    if (removed != WriteResult.Landed || rec is null)
                    {
                        if (removed == WriteResult.Landed)
                        {
                            Grants.WriteThrough(grant.Name, a.Now.Rv, null);
                        }

                        return $"release {grant.Name}: {removed}";
                    }

                    rv = rec.Rv;
                }
                else if (grant.Marked)
                {
                    return $"delete {grant.Name}: marked already, held";
                }

                var result = a.DeleteGrant(grant.Name, grant.ObjectUid, rv);
                if (result == WriteResult.Landed)
                {
                    Grants.WriteThrough(grant.Name, a.Now.Rv, a.Now.Grants.GetValueOrDefault(grant.Name));
                }

                return $"delete {grant.Name} ({reason}): {result}";
            }));
        }

        foreach (var write in plan.Shrinks)
        {
            var grant = byUid[write.PodUid];
            pending.Enqueue(new WriteOp($"shrink {grant.Name}@{grant.Rv} {write.Limit}/{write.Hold}", a => Patch(a, grant.Name, grant.Rv, write, "shrink")));
        }

        foreach (var uid in plan.Creates)
        {
            var pod = pods.Values.First(p => p.Uid == uid);
            pending.Enqueue(new WriteOp($"create {pod.Name}/{pod.Uid}", a =>
            {
                var name = ApiGroup.GrantName(pod.Name, Convert.BudgetName);
                var (result, rec) = a.CreateGrant(name, pod.Uid, pod.Name, Term);
                if (rec is not null)
                {
                    Grants.WriteThrough(name, rec.Rv, rec);
                }

                return $"create {name}: {result}";
            }));
        }

        if (plan.Raises.Count == 0)
        {
            return;
        }

        // As BudgetUpdate: a grant this term created or fenced already carries the term and needs no fence. Without the
        // fence (the checker's test) no grant is fenced at all.
        foreach (var grant in grants.Values.Where(g => fence && g.Term != Term).OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            pending.Enqueue(new WriteOp($"fence {grant.Name}", a =>
            {
                if (writtenInTerm.Contains(grant.Name))
                {
                    // As BudgetUpdate: its shrink in this plan landed carrying the term, which fenced it.
                    return $"fence {grant.Name}: shrunk in this term already";
                }

                var (result, rec) = a.PatchTerm(grant.Name, rvs[grant.Name], Term);
                if (rec is null)
                {
                    // The fence failed: the raises of this reconcile are not sent; the next reconcile re-reads.
                    pending.Clear();
                    return $"fence {grant.Name}: {result}, raises dropped";
                }

                rvs[grant.Name] = rec.Rv;
                Grants.WriteThrough(grant.Name, rec.Rv, rec);
                return $"fence {grant.Name}: {result}";
            }));
        }

        foreach (var write in plan.Raises)
        {
            var grant = byUid[write.PodUid];
            pending.Enqueue(new WriteOp($"raise {grant.Name}@{grant.Rv} {write.Limit}/{write.Hold}", a => Patch(a, grant.Name, rvs[grant.Name], write, "raise")));
        }
    }

    private string Patch(ModelApi api, string name, long rv, GrantWrite write, string what)
    {
        var (result, rec) = api.PatchSpec(name, rv, write.Limit, write.Hold, Term);
        if (rec is not null)
        {
            rvs[name] = rec.Rv;
            writtenInTerm.Add(name);
            Grants.WriteThrough(name, rec.Rv, rec);
        }

        return $"{what} {name} to {write.Limit} (hold {write.Hold}): {result}";
    }
}

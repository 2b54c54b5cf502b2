using k8s;
using PoolOperator.Api;

namespace PoolOperator.Operator.Tests;

/// <summary>One grant watch event as recorded, with the state it produced.</summary>
internal sealed record GrantEvent(int Index, WatchEventType Type, string Pod, int Limit, int? Applied, long Held);

/// <summary>
/// Records every watch event of one budget's grants and checks the invariant in each state it sees:
/// sum over the grants of GrantHolds.Held /// sum over the grants of max(spec.limit, status.appliedLimit) &lt;= available.lt;= available.
/// </summary>
internal sealed class InvariantRecorder : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly string budget;
    private readonly Dictionary<string, (int Limit, int? Applied, int Held)> state = [];
    private readonly List<GrantEvent> events = [];
    private readonly List<string> violations = [];
    private GrantWatcher? watcher;

    private InvariantRecorder(string budget, int available)
    {
        this.budget = budget;
        Available = available;
    }

    /// <summary>The budget's capacity; change it when the test changes the spec.</summary>
    public int Available { get; set; }

    public IReadOnlyList<GrantEvent> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (gate)
            {
                return [.. violations];
            }
        }
    }

    public static async Task<InvariantRecorder> StartAsync(IKubernetes client, string ns, string budget, int available)
    {
        var recorder = new InvariantRecorder(budget, available);
        recorder.watcher = await GrantWatcher.StartAsync(client, ns, recorder.OnEvent);
        return recorder;
    }

    public async ValueTask DisposeAsync()
    {
        if (watcher is not null)
        {
            await watcher.DisposeAsync();
        }
    }

    public void AssertHeld()
    {
        var seen = Events;
        Assert.NotEmpty(seen);
        Assert.True(Violations.Count == 0, "The invariant broke:\n" + string.Join("\n", Violations));
    }

    private void OnEvent(WatchEventType type, ConnectionGrant grant)
    {
        if (grant.Spec.BudgetName != budget)
        {
            return;
        }

        lock (gate)
        {
            var pod = grant.Spec.PodName;
            if (type == WatchEventType.Deleted)
            {
                state.Remove(pod);
            }
            else
            {
                state[pod] = (grant.Spec.Limit, grant.Status?.AppliedLimit, PoolOperator.Api.Protocol.GrantHolds.Held(grant));
            }

            var held = state.Values.Sum(s => (long)s.Held);
            events.Add(new GrantEvent(events.Count, type, pod, grant.Spec.Limit, grant.Status?.AppliedLimit, held));
            if (held > Available)
            {
                violations.Add($"event #{events.Count - 1} {type} {pod}: held {held} > available {Available}: "
                    + string.Join(", ", state.Select(s => $"{s.Key}={s.Value.Limit}/{s.Value.Applied}")));
            }
        }
    }
}

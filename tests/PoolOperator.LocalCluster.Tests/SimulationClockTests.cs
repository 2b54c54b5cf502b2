using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PoolOperator.LocalCluster.Simulation;

namespace PoolOperator.LocalCluster.Tests;

/// <summary>
/// The simulator measures pending and grace periods on its injected clock only: with a manual clock
/// an hour-long pending period ends exactly when the clock is moved, not before.
/// </summary>
public sealed class SimulationClockTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private LocalKubernetesServer _server = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalKubernetesServer.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Pods_stay_pending_and_terminating_until_the_simulators_clock_moves()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var options = new WorkloadSimulatorOptions { PendingDuration = TimeSpan.FromHours(1), TerminationGracePeriod = TimeSpan.FromHours(1), Namespaces = ["default"] };
        await using var simulator = new WorkloadSimulator(_client, options, clock, NullLogger.Instance);
        simulator.Start();
        await _client.AppsV1.CreateNamespacedDeploymentAsync(
            new V1Deployment
            {
                Metadata = new V1ObjectMeta { Name = "slow" },
                Spec = new V1DeploymentSpec
                {
                    Replicas = 2,
                    Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "slow" } },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "slow" } },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "example/app:1" }] },
                    },
                },
            },
            "default");

        await EventuallyAsync(pods => pods.Count == 2 && pods.All(p => p.Status?.Phase == "Pending"));

        // However long the wall clock runs, the simulator's hour has not passed.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.All(await ListAsync(), p => Assert.Equal("Pending", p.Status.Phase));

        clock.Advance(TimeSpan.FromHours(1));
        await EventuallyAsync(pods => pods.Count == 2 && pods.All(p => p.Status?.Phase == "Running"));

        await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch), "slow", "default");
        await EventuallyAsync(pods => pods.Count(p => p.Metadata.DeletionTimestamp is not null) == 1);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, (await ListAsync()).Count);

        clock.Advance(TimeSpan.FromHours(1));
        await EventuallyAsync(pods => pods.Count == 1 && pods[0].Metadata.DeletionTimestamp is null);
    }

    private async Task<IList<V1Pod>> ListAsync() => (await _client.CoreV1.ListNamespacedPodAsync("default")).Items;

    private async Task EventuallyAsync(Func<IList<V1Pod>, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        IList<V1Pod> pods;
        while (!condition(pods = await ListAsync()))
        {
            Assert.True(DateTime.UtcNow < deadline, "pods: " + string.Join(", ", pods.Select(p => $"{p.Metadata.Name}={p.Status?.Phase}{(p.Metadata.DeletionTimestamp is null ? "" : " terminating")}")));
            await Task.Delay(50);
        }
    }

    /// <summary>A clock that moves only when told, with timers that fire when it passes their due time.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private readonly Lock _lock = new();
        private readonly List<ManualTimer> _timers = [];
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow()
        {
            lock (_lock)
            {
                return _now;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        public void Advance(TimeSpan by)
        {
            List<ManualTimer> due;
            lock (_lock)
            {
                _now += by;
                due = _timers.Where(t => t.Due <= _now).ToList();
                _timers.RemoveAll(due.Contains);
            }

            foreach (var timer in due)
            {
                timer.Fire();
            }
        }

        private void Schedule(ManualTimer timer, TimeSpan dueTime)
        {
            lock (_lock)
            {
                _timers.Remove(timer);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    timer.Due = _now + dueTime;
                    _timers.Add(timer);
                }
            }
        }

        private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
        {
            public DateTimeOffset Due { get; set; }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                // Periodic timers are not needed by the code under test; a due time is.
                clock.Schedule(this, dueTime);
                return true;
            }

            public void Fire() => callback(state);

            public void Dispose() => clock.Schedule(this, Timeout.InfiniteTimeSpan);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}

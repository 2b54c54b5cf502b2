using PoolOperator.Api;
using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Grants;

/// <summary>The agent follows its pod's ConnectionGrant on a local Kubernetes API and acknowledges in status (protocol v2).</summary>
[Collection(PostgresTests.Name)]
public sealed class GrantAgentTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Applies_the_granted_limit_and_acknowledges_it_in_status()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var created = await cluster.CreateGrantAsync("api-0", limit: 7);
        await using var dataSource = GrantModeDataSource("ack");
        await using var agent = RunAgent(dataSource, cluster, "api-0");

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-0")).Status?.AppliedLimit == 7, "status.appliedLimit = 7");

        var grant = await cluster.GetGrantAsync("api-0");
        Assert.Equal(7, dataSource.Limit);
        Assert.Equal(GrantPhases.Active, grant.Status!.Phase);
        Assert.Equal(created.Metadata.Generation, grant.Status.ObservedGeneration);
        Assert.NotNull(grant.Status.UpdatedAt);
        Assert.Equal(0, grant.Status.InUse);
        Assert.Equal(0, grant.Status.Waiting);
        Assert.False(dataSource.Stats().UsingFallback);
    }

    [Fact]
    public async Task A_grant_at_0_is_acknowledged_as_Waiting_on_first_sight_so_the_operator_knows_the_agent_is_up()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var created = await cluster.CreateGrantAsync("api-w", limit: 0);
        await using var dataSource = GrantModeDataSource("waiting");
        await using var agent = RunAgent(dataSource, cluster, "api-w");

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-w")).Status?.Phase == GrantPhases.Waiting, "status.phase = Waiting");

        var status = (await cluster.GetGrantAsync("api-w")).Status!;
        Assert.Equal(0, status.AppliedLimit);
        Assert.Equal(created.Metadata.Generation, status.ObservedGeneration);
        Assert.Equal(0, dataSource.Limit);

        var raised = await cluster.SetLimitAsync("api-w", limit: 4);
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-w")).Status?.Phase == GrantPhases.Active, "status.phase = Active");
        Assert.Equal(raised.Metadata.Generation, (await cluster.GetGrantAsync("api-w")).Status!.ObservedGeneration);
        Assert.Equal(4, dataSource.Limit);
    }

    [Fact]
    public async Task A_changed_limit_is_reapplied_and_a_shrink_is_acknowledged_only_when_it_holds()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("api-1", limit: 8);
        await using var dataSource = GrantModeDataSource("reapply");
        await using var agent = RunAgent(dataSource, cluster, "api-1");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-1")).Status?.AppliedLimit == 8, "first acknowledgement");
        var held = new List<BudgetedConnection>();
        for (var i = 0; i < 6; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync());
        }

        var shrunk = await cluster.SetLimitAsync("api-1", limit: 3);
        await Eventually.TrueAsync(() => dataSource.Limit == 3, "the gate lowered to 3");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        // While the 6 are busy the agent acknowledges what it could still hold (never the new 3): 6, or a little
        // more with idle connections not closed yet, and at most the 8 held before.
        var whileHeld = await cluster.GetGrantAsync("api-1");
        Assert.InRange(whileHeld.Status!.AppliedLimit ?? -1, 6, 8);
        Assert.Equal(whileHeld.Status.AppliedLimit, PoolOperator.Api.Protocol.GrantHolds.Held(whileHeld));
        Assert.True(dataSource.Stats().Physical <= whileHeld.Status.AppliedLimit, "acknowledged less than it could hold");

        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-1")).Status?.AppliedLimit == 3, "the shrink acknowledged");
        var acknowledged = await cluster.GetGrantAsync("api-1");
        Assert.Equal(shrunk.Metadata.Generation, acknowledged.Status!.ObservedGeneration);
        Assert.InRange(dataSource.Stats().Physical, 0, 3);

        var grown = await cluster.SetLimitAsync("api-1", limit: 12);
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-1")).Status?.AppliedLimit == 12, "the raise acknowledged");
        Assert.Equal(12, dataSource.Limit);
        Assert.Equal(grown.Metadata.Generation, (await cluster.GetGrantAsync("api-1")).Status!.ObservedGeneration);
    }

    [Fact]
    public async Task Without_a_grant_opens_are_held_and_by_default_no_fallback_opens_anything()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var logs = new ListLoggerProvider();
        await using var dataSource = GrantModeDataSource("failclosed", options => options.StartupGrantWait = TimeSpan.FromMilliseconds(200), logs);
        await using var agent = RunAgent(dataSource, cluster, "api-fc");

        var heldOpen = dataSource.OpenConnectionAsync().AsTask();
        await Task.WhenAny(heldOpen, Task.Delay(TimeSpan.FromSeconds(1.5)));

        Assert.False(heldOpen.IsCompleted, "With the default fallback of 0 nothing opens before a grant, however long it takes.");
        Assert.Equal(0, dataSource.Limit);
        Assert.False(dataSource.Stats().UsingFallback);
        Assert.DoesNotContain(logs.Entries, entry => entry.Id.Id == 6);

        await cluster.CreateGrantAsync("api-fc", limit: 2);
        await using var opened = await heldOpen.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, dataSource.Limit);
    }

    [Fact]
    public async Task With_a_configured_fallback_opens_are_held_then_the_fallback_applies_until_a_grant_arrives()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await using var dataSource = GrantModeDataSource("fallback", options =>
        {
            options.StartupGrantWait = TimeSpan.FromSeconds(2);
            options.FallbackLimit = 2;
        });
        await using var agent = RunAgent(dataSource, cluster, "api-2");

        var heldOpen = dataSource.OpenConnectionAsync().AsTask();
        await Task.WhenAny(heldOpen, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.False(heldOpen.IsCompleted, "Before the first grant (and before the bound) opens wait.");

        await using (await heldOpen.WaitAsync(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(2, dataSource.Limit);
            Assert.True(dataSource.Stats().UsingFallback);
        }

        await cluster.CreateGrantAsync("api-2", limit: 5);
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-2")).Status?.AppliedLimit == 5, "the late grant acknowledged");
        Assert.Equal(5, dataSource.Limit);
        Assert.False(dataSource.Stats().UsingFallback);
    }

    [Fact]
    public async Task A_grant_arriving_together_with_the_startup_timer_is_applied_not_dropped()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        for (var round = 0; round < 5; round++)
        {
            var pod = $"api-race-{round}";
            var created = await cluster.CreateGrantAsync(pod, limit: 5);
            await using var dataSource = GrantModeDataSource($"race{round}", options =>
            {
                options.StartupGrantWait = TimeSpan.Zero;
                options.FallbackLimit = 1;
            });
            await using var agent = RunAgent(dataSource, cluster, pod);

            await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync(pod)).Status?.ObservedGeneration == created.Metadata.Generation, $"round {round}: acknowledged");
            Assert.Equal(5, (await cluster.GetGrantAsync(pod)).Status!.AppliedLimit);
            Assert.Equal(5, dataSource.Limit);
            Assert.False(dataSource.Stats().UsingFallback);
        }
    }

    [Fact]
    public async Task A_grant_bound_to_another_pod_UID_is_ignored()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("web-0", limit: 8, podUid: Guid.NewGuid().ToString());
        await using var dataSource = GrantModeDataSource("foreign");
        await using var agent = RunAgent(dataSource, cluster, "web-0");

        var heldOpen = dataSource.OpenConnectionAsync().AsTask();
        await Task.WhenAny(heldOpen, Task.Delay(TimeSpan.FromSeconds(1)));

        Assert.False(heldOpen.IsCompleted, "The grant of the previous web-0 gives this pod nothing.");
        Assert.Equal(0, dataSource.Limit);
        Assert.Null((await cluster.GetGrantAsync("web-0")).Status);

        await cluster.DeleteGrantAsync("web-0");
        var own = await cluster.CreateGrantAsync("web-0", limit: 3);
        await using var opened = await heldOpen.WaitAsync(TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("web-0")).Status?.ObservedGeneration == own.Metadata.Generation, "the own grant acknowledged");
        Assert.Equal(3, dataSource.Limit);
    }

    [Fact]
    public async Task A_newer_limit_before_the_acknowledgement_never_loses_it_even_while_status_writes_fail()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("api-n", limit: 5);
        var outage = new StatusWriteOutage();
        await using var dataSource = GrantModeDataSource("newer");
        await using var agent = new RunningAgent(dataSource, cluster.CreateAgentClient(outage), cluster.Identity("api-n"));
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-n")).Status?.AppliedLimit == 5, "first acknowledgement");

        outage.Failing = true;
        var raised = await cluster.SetLimitAsync("api-n", limit: 12);
        await Eventually.TrueAsync(() => dataSource.Limit == 12, "the raise applied");
        var held = new List<BudgetedConnection>();
        for (var i = 0; i < 9; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync());
        }

        var shrunk = await cluster.SetLimitAsync("api-n", limit: 6);
        await Eventually.TrueAsync(() => dataSource.Limit == 6, "the shrink applied to the gate");
        Assert.Equal(12, PoolOperator.Api.Protocol.GrantHolds.Held(await cluster.GetGrantAsync("api-n")));
        await Eventually.TrueAsync(() => outage.Refused > 0, "status writes refused");

        outage.Failing = false;
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        // 9 connections are open: the shrink to 6 is not acknowledged, but what could still be held is, for the
        // newest generation (written once the outage ended, nothing lost).
        var whileHeld = await cluster.GetGrantAsync("api-n");
        Assert.Equal(shrunk.Metadata.Generation, whileHeld.Status!.ObservedGeneration);
        Assert.InRange(whileHeld.Status.AppliedLimit ?? -1, 9, 11);
        Assert.Equal(whileHeld.Status.AppliedLimit, PoolOperator.Api.Protocol.GrantHolds.Held(whileHeld));

        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        await Eventually.TrueAsync(
            async () => (await cluster.GetGrantAsync("api-n")).Status is { } status && status.ObservedGeneration == shrunk.Metadata.Generation && status.AppliedLimit == 6,
            "the newest generation acknowledged at its limit");
        var final = await cluster.GetGrantAsync("api-n");
        Assert.Equal(6, final.Status!.AppliedLimit);
        Assert.Equal(GrantPhases.Active, final.Status.Phase);
        Assert.True(raised.Metadata.Generation < shrunk.Metadata.Generation);
    }

    [Fact]
    public async Task When_the_API_goes_away_the_last_limit_stays()
    {
        var cluster = await LocalClusterHarness.StartAsync();
        await using var dataSource = GrantModeDataSource("unreachable", options => options.StartupGrantWait = TimeSpan.FromMilliseconds(200));
        await cluster.CreateGrantAsync("api-3", limit: 6);
        await using var agent = RunAgent(dataSource, cluster, "api-3");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-3")).Status?.AppliedLimit == 6, "acknowledged");

        await cluster.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(6, dataSource.Limit);
        Assert.False(dataSource.Stats().UsingFallback);
        await using var connection = await dataSource.OpenConnectionAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, dataSource.Stats().InUse);
    }

    [Fact]
    public async Task After_an_API_outage_the_watch_is_reestablished_and_a_new_grant_is_followed()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("api-4", limit: 6);
        await using var dataSource = GrantModeDataSource("rewatch");
        await using var agent = RunAgent(dataSource, cluster, "api-4");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-4")).Status?.AppliedLimit == 6, "acknowledged before the outage");

        await cluster.RestartEmptyAsync();
        await Eventually.TrueAsync(() => dataSource.Limit == 0, "an API back without the grant: the grant is gone, fail closed");
        await cluster.CreateGrantAsync("api-4", limit: 4);

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-4")).Status?.AppliedLimit == 4, "the new grant acknowledged after the outage");
        Assert.Equal(4, dataSource.Limit);
    }

    [Fact]
    public async Task A_deleted_grant_fails_closed_and_every_connection_closes()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("api-5", limit: 5);
        var applicationName = TestDataSources.NewApplicationName("deleted");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: null, options => Configure(options));
        await using var agent = RunAgent(dataSource, cluster, "api-5");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-5")).Status?.AppliedLimit == 5, "acknowledged");
        var held = await dataSource.OpenConnectionAsync();
        await (await dataSource.OpenConnectionAsync()).DisposeAsync();
        Assert.Equal(2, dataSource.Stats().Physical);

        await cluster.DeleteGrantAsync("api-5");

        await Eventually.TrueAsync(() => dataSource.Limit == 0, "limit 0 once the grant is gone");
        Assert.False(dataSource.Stats().UsingFallback);
        var waiting = dataSource.OpenConnectionAsync().AsTask();
        await held.DisposeAsync();
        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) == 0, "no backend left on the server");
        Assert.False(waiting.IsCompleted, "Without a grant nothing opens.");
        Assert.Equal(0, dataSource.Stats().Physical);
    }

    [Fact]
    public async Task The_pool_figures_in_status_are_refreshed_without_a_grant_change_and_keep_the_acknowledgement()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var created = await cluster.CreateGrantAsync("api-6", limit: 5);
        await using var dataSource = GrantModeDataSource("refresh", options => options.StatusRefreshInterval = TimeSpan.FromMilliseconds(200));
        await using var agent = RunAgent(dataSource, cluster, "api-6");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-6")).Status?.AppliedLimit == 5, "acknowledged");

        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-6")).Status?.InUse == 2, "status.inUse refreshed to 2");
        var status = (await cluster.GetGrantAsync("api-6")).Status!;
        Assert.Equal(5, status.AppliedLimit);
        Assert.Equal(GrantPhases.Active, status.Phase);
        Assert.Equal(created.Metadata.Generation, status.ObservedGeneration);
    }

    [Fact]
    public async Task A_stopping_agent_lets_in_flight_work_finish_then_releases_its_share_while_the_grant_still_exists()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        var created = await cluster.CreateGrantAsync("api-7", limit: 4);
        var applicationName = TestDataSources.NewApplicationName("stop");
        await using var dataSource = TestDataSources.Create(postgres.Server, applicationName, limit: null, options => Configure(options, o => o.StopGracePeriod = TimeSpan.FromSeconds(30)));
        var agent = RunAgent(dataSource, cluster, "api-7");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-7")).Status?.AppliedLimit == 4, "acknowledged");
        var inFlight = await dataSource.OpenConnectionAsync();
        await (await dataSource.OpenConnectionAsync()).DisposeAsync();

        var stopped = agent.StopAsync();
        await Eventually.TrueAsync(() => dataSource.Limit == 0, "no more admissions once stopping");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(GrantPhases.Active, (await cluster.GetGrantAsync("api-7")).Status!.Phase);
        Assert.False(stopped.IsCompleted, "In-flight work keeps its connection within the grace period.");

        await inFlight.DisposeAsync();
        await stopped.WaitAsync(TimeSpan.FromSeconds(20));

        var released = await cluster.GetGrantAsync("api-7");
        Assert.Equal(GrantPhases.Released, released.Status!.Phase);
        Assert.Equal(0, released.Status.AppliedLimit);
        Assert.Equal(created.Metadata.Generation, released.Status.ObservedGeneration);
        Assert.Equal(0, PoolOperator.Api.Protocol.GrantHolds.Held(released));
        await Eventually.TrueAsync(async () => await postgres.Server.CountBackendsAsync(applicationName) == 0, "every backend closed");
        await agent.DisposeAsync();
    }

    private static void Configure(ClientAgentOptions options, Action<ClientAgentOptions>? configure = null)
    {
        options.BudgetName = LocalClusterHarness.Budget;
        options.WatchBackoffInitial = TimeSpan.FromMilliseconds(100);
        options.WatchBackoffMax = TimeSpan.FromMilliseconds(500);
        options.ResizePollInterval = TimeSpan.FromMilliseconds(50);
        options.StartupGrantWait = TimeSpan.FromSeconds(30);
        options.StopGracePeriod = TimeSpan.FromSeconds(2);
        configure?.Invoke(options);
    }

    private BudgetedDataSource GrantModeDataSource(string prefix, Action<ClientAgentOptions>? configure = null, ListLoggerProvider? logs = null) =>
        TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName(prefix), limit: null, options => Configure(options, configure), loggerFactory: logs);

    private static RunningAgent RunAgent(BudgetedDataSource dataSource, LocalClusterHarness cluster, string podName) =>
        new(dataSource, cluster.CreateAgentClient(), cluster.Identity(podName));

    /// <summary>A grant agent running in the background until stopped (as a host stops it) or disposed.</summary>
    private sealed class RunningAgent : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly k8s.IKubernetes _client;
        private readonly Task _run;

        public RunningAgent(BudgetedDataSource dataSource, k8s.IKubernetes client, GrantIdentity identity)
        {
            _client = client;
            _run = new GrantAgent(dataSource, client, identity).RunAsync(_stop.Token);
        }

        /// <summary>Signals the stop and completes when the agent has returned.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(40));
            _client.Dispose();
            _stop.Dispose();
        }
    }
}

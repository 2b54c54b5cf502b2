using PoolOperator.Testing;

namespace PoolOperator.ClientAgent.Tests.Grants;

/// <summary>The agent follows its pod's ConnectionGrant on a local Kubernetes API and acknowledges in status.</summary>
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
        Assert.Equal(created.Metadata.Generation, grant.Status!.ObservedGeneration);
        Assert.NotNull(grant.Status.UpdatedAt);
        Assert.Equal(0, grant.Status.InUse);
        Assert.Equal(0, grant.Status.Waiting);
        Assert.False(dataSource.Stats().UsingFallback);
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
        var whileHeld = await cluster.GetGrantAsync("api-1");
        Assert.Equal(8, whileHeld.Status!.AppliedLimit);

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
    public async Task Without_a_grant_opens_are_held_then_the_fallback_applies_until_a_grant_arrives()
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
        Assert.Equal(6, dataSource.Limit);
        await cluster.CreateGrantAsync("api-4", limit: 4);

        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-4")).Status?.AppliedLimit == 4, "the new grant acknowledged after the outage");
        Assert.Equal(4, dataSource.Limit);
    }

    [Fact]
    public async Task A_deleted_grant_leaves_the_last_limit_in_force()
    {
        await using var cluster = await LocalClusterHarness.StartAsync();
        await cluster.CreateGrantAsync("api-5", limit: 5);
        await using var dataSource = GrantModeDataSource("deleted", options => options.StartupGrantWait = TimeSpan.FromMilliseconds(200));
        await using var agent = RunAgent(dataSource, cluster, "api-5");
        await Eventually.TrueAsync(async () => (await cluster.GetGrantAsync("api-5")).Status?.AppliedLimit == 5, "acknowledged");

        await cluster.DeleteGrantAsync("api-5");
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        Assert.Equal(5, dataSource.Limit);
        Assert.False(dataSource.Stats().UsingFallback);
    }

    private BudgetedDataSource GrantModeDataSource(string prefix, Action<ClientAgentOptions>? configure = null) =>
        TestDataSources.Create(postgres.Server, TestDataSources.NewApplicationName(prefix), limit: null, options =>
        {
            options.BudgetName = LocalClusterHarness.Budget;
            options.WatchBackoffInitial = TimeSpan.FromMilliseconds(100);
            options.WatchBackoffMax = TimeSpan.FromMilliseconds(500);
            options.ResizePollInterval = TimeSpan.FromMilliseconds(50);
            options.StartupGrantWait = TimeSpan.FromSeconds(30);
            configure?.Invoke(options);
        });

    private static RunningAgent RunAgent(BudgetedDataSource dataSource, LocalClusterHarness cluster, string podName) =>
        new(dataSource, cluster.CreateAgentClient(), LocalClusterHarness.Identity(podName));

    /// <summary>A grant agent running in the background until disposed.</summary>
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

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
            _client.Dispose();
            _stop.Dispose();
        }
    }
}

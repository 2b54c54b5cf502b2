using System.Globalization;

namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>One simulated pod: its agent process, its link to the API, its grant (played by the suite) and its backends.</summary>
internal sealed class PodUnderTest : IAsyncDisposable
{
    private readonly ConformanceCluster _cluster;
    private readonly string _kubeconfig;

    private PodUnderTest(ConformanceCluster cluster, string name, ApiLink link, string kubeconfig, AgentProcess agent, string uid)
    {
        Uid = uid;
        _cluster = cluster;
        Name = name;
        Link = link;
        _kubeconfig = kubeconfig;
        Agent = agent;
        Grant = new GrantOperator(cluster.Client, name, Uid);
    }

    public string Name { get; }

    /// <summary>The pod's UID, as the downward API gives it.</summary>
    public string Uid { get; }

    public ApiLink Link { get; }

    public AgentProcess Agent { get; }

    public GrantOperator Grant { get; }

    public static async Task<PodUnderTest> StartAsync(ConformanceCluster cluster, string agentName, AgentLaunch launch)
    {
        var name = cluster.NewPodName(agentName);
        var link = new ApiLink(cluster.Server.BaseAddress);
        var kubeconfig = cluster.WriteKubeconfig(link.Address);
        var uid = Guid.NewGuid().ToString();
        var environment = new Dictionary<string, string>
        {
            ["POD_NAME"] = name,
            ["POD_NAMESPACE"] = ConformanceCluster.Namespace,
            ["POD_UID"] = uid,
            ["POOLOPERATOR_BUDGET"] = ConformanceCluster.Budget,
            ["KUBECONFIG"] = kubeconfig,
            ["CONFORMANCE_PG_HOST"] = "127.0.0.1",
            ["CONFORMANCE_PG_PORT"] = cluster.Postgres.Port.ToString(CultureInfo.InvariantCulture),
            ["CONFORMANCE_PG_USER"] = "postgres",
            ["CONFORMANCE_PG_DATABASE"] = "postgres",
            ["POOLOPERATOR_MAX_OPEN_CONNS"] = "10",
            ["POOLOPERATOR_MAX_IDLE_CONNS"] = "2",
            ["POOLOPERATOR_STARTUP_GRANT_WAIT"] = "10m",
            ["POOLOPERATOR_MEASURE_INTERVAL"] = "20ms",
            ["POOLOPERATOR_BACKOFF_INITIAL"] = "50ms",
            ["POOLOPERATOR_BACKOFF_MAX"] = "200ms",
        };
        try
        {
            var agent = await AgentProcess.StartAsync(launch, environment);
            return new PodUnderTest(cluster, name, link, kubeconfig, agent, uid);
        }
        catch
        {
            await link.DisposeAsync();
            File.Delete(kubeconfig);
            throw;
        }
    }

    /// <summary>Creates the pod's grant at <paramref name="limit"/> and waits for its acknowledgement {Active, limit}.</summary>
    public async Task ActiveAsync(int limit)
    {
        await Grant.CreateAsync(limit);
        await Grant.AcknowledgedAsync(Api.GrantPhases.Active, limit, Agent);
    }

    /// <summary>Asks the agent to hold <paramref name="count"/> more connections and waits until it holds that many.</summary>
    public async Task HoldBusyAsync(int count)
    {
        await Agent.HoldAsync(count);
        await HeldAsync(count);
    }

    /// <summary>The pod's client backends in pg_stat_activity (its physical connections).</summary>
    public Task<int> BackendsAsync() => _cluster.Postgres.CountBackendsAsync(Name);

    /// <summary>Waits until the agent holds <paramref name="held"/> connections open.</summary>
    public Task HeldAsync(int held) =>
        Eventually.TrueAsync(async () => await Agent.HeldAsync() == held, () => $"{Name} holds {held} connections. Its log:{Environment.NewLine}{Agent.Log}");

    /// <summary>
    /// Checks, a few times over a short while, that the pod has at most <paramref name="most"/> backends and holds at
    /// most that many connections while more are asked for (a limit is never exceeded, so every sample must pass).
    /// </summary>
    public async Task NeverAboveAsync(int most)
    {
        for (var sample = 0; sample < 6; sample++)
        {
            var backends = await BackendsAsync();
            var held = await Agent.HeldAsync();
            Assert.True(backends <= most && held <= most, $"{Name} has {backends} backends and holds {held} connections; the most it may have is {most}. Its log:{Environment.NewLine}{Agent.Log}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        await Grant.DisposeAsync();
        await Link.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}

using System.Data.Common;
using k8s;
using Microsoft.Extensions.Logging;
using Npgsql;
using PoolOperator.ClientAgent;
using PoolOperator.ScaleStorm.Load;

namespace PoolOperator.ScaleStorm.Modes;

/// <summary>
/// PoolOperator mode: every replica builds its pool with the client agent, as an application would,
/// and runs a grant agent that follows the pod's ConnectionGrant. Stopping the agent is the pod's
/// SIGTERM: it stops admitting, lets in-flight work finish within the grace, closes its connections
/// and acknowledges 0 (protocol v2), so the share moves before the pod object is gone.
/// </summary>
internal sealed class AgentPools(string connectionString, IKubernetes client, string @namespace, string budgetName, int hardCeiling, TimeSpan stopGrace, bool noResetOnClose, ILoggerFactory loggers) : IReplicaPools
{
    public (DbDataSource DataSource, IAsyncDisposable? Companion) Create(ReplicaPod pod)
    {
        var options = new ClientAgentOptions
        {
            BudgetName = budgetName,
            PodName = pod.Name,
            PodNamespace = @namespace,
            PodUid = pod.Uid,
            MaxPoolSize = hardCeiling,
            StartupGrantWait = TimeSpan.FromSeconds(5),
            StopGracePeriod = stopGrace,
            AcquireTimeout = TimeSpan.FromSeconds(30),
            PoolName = pod.Name,
            ResizePollInterval = TimeSpan.FromMilliseconds(10),
        };
        var builder = new BudgetedDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = StormApplication.Name, NoResetOnClose = noResetOnClose }.ConnectionString, options)
        {
            LoggerFactory = loggers,
        };
        var dataSource = builder.Build();
        var agent = new RunningAgent(new GrantAgent(dataSource, client, new GrantIdentity(@namespace, pod.Name, budgetName, pod.Uid)));
        return (dataSource, agent);
    }

    /// <summary>A grant agent running in the background until its replica stops.</summary>
    private sealed class RunningAgent : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public RunningAgent(GrantAgent agent) => _run = Task.Run(() => agent.RunAsync(_stop.Token));

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
                // The agent stops by cancellation.
            }

            _stop.Dispose();
        }
    }
}

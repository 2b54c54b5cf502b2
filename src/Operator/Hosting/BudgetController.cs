using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PoolOperator.Operator.Budgets;
using PoolOperator.Operator.Controller;
using PoolOperator.Operator.Hosting.Metrics;

namespace PoolOperator.Operator.Hosting;

/// <summary>
/// Runs the budget controller: starts the informers (on every replica, so followers keep warm
/// caches), and while this replica leads, runs the workers under the leadership term's token.
/// </summary>
public sealed partial class BudgetController : BackgroundService
{
    private readonly BudgetInformers informers;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly BudgetReconciler reconciler;
    private readonly Leadership.Leadership leadership;
    private readonly OperatorMetrics metrics;
    private readonly OperatorOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<BudgetController> logger;

    /// <summary>Creates the controller.</summary>
    public BudgetController(
        BudgetInformers informers,
        WorkQueue<ObjectKey> queue,
        BudgetReconciler reconciler,
        Leadership.Leadership leadership,
        OperatorMetrics metrics,
        IOptions<OperatorOptions> options,
        TimeProvider time,
        ILogger<BudgetController> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.informers = informers;
        this.queue = queue;
        this.reconciler = reconciler;
        this.leadership = leadership;
        this.metrics = metrics;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>True once every cache has listed.</summary>
    public bool CachesSynced => informers.HasSynced;

    /// <summary>The failure that stopped the controller, if any (reported by /healthz).</summary>
    public Exception? Failure { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            new BudgetEventMapping(informers, queue.Add).Register();
            metrics.ObserveQueueDepth(() => queue.Depth);
            var running = informers.All.Select(i => Task.Run(() => i.RunAsync(stoppingToken), CancellationToken.None)).ToList();
            await Task.WhenAll(informers.All.Select(i => i.WaitForSyncAsync(stoppingToken)));
            LogSynced(logger);

            var runner = new ControllerRunner(queue, reconciler, time, logger, metrics);
            while (!stoppingToken.IsCancellationRequested)
            {
                var term = await leadership.WaitForTermAsync(stoppingToken);
                await LeadAsync(runner, term, stoppingToken);
            }

            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex)
        {
            Failure = ex;
            LogControllerFailed(logger, ex);
            throw;
        }
    }

    private async Task LeadAsync(ControllerRunner runner, CancellationToken term, CancellationToken stoppingToken)
    {
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(term, stoppingToken);
        metrics.SetLeader(true);
        try
        {
            // The previous leader's last writes may not have reached this replica's watches yet:
            // plan from state at least as new as the API's at the start of the term. Pods too: a
            // grant whose pod this replica has not seen yet would otherwise look orphaned. A cache
            // whose lists all began inside the term (a replica that led from its start) is that
            // already: listing 10,000 pods and grants twice cost a restart 6 s.
            var termStarted = leadership.TermStartedAt;
            if (!informers.Pods.ListedSince(termStarted))
            {
                await informers.Pods.RefreshAsync(leading.Token);
            }

            if (!informers.Grants.ListedSince(termStarted))
            {
                await informers.Grants.ReplaceFromFreshListAsync(leading.Token);
            }

            if (!informers.Budgets.ListedSince(termStarted))
            {
                await informers.Budgets.RefreshAsync(leading.Token);
            }

            reconciler.StartTerm();
            foreach (var budget in informers.Budgets.Cache.List())
            {
                queue.Add(ObjectKey.Of(budget));
            }

            LogLeading(logger, options.Workers);
            await runner.RunAsync(options.Workers, leading.Token);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
            // The term ended.
        }
#pragma warning disable CA1031 // A failed refresh at the start of a term is retried by the next term.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogTermFailed(logger, ex);
            await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
        }
        finally
        {
            metrics.SetLeader(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Caches synced")]
    private static partial void LogSynced(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading: reconciling budgets with {Workers} workers")]
    private static partial void LogLeading(ILogger logger, int workers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the leadership term; retrying")]
    private static partial void LogTermFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The budget controller stopped")]
    private static partial void LogControllerFailed(ILogger logger, Exception exception);
}

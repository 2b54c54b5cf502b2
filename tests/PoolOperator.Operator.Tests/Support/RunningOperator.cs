using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PoolOperator.Operator.Budgets;
using PoolOperator.Operator.Events;
using PoolOperator.Operator.Hosting;
using PoolOperator.Operator.Hosting.Metrics;

namespace PoolOperator.Operator.Tests;

/// <summary>One operator process, hosted in the test exactly as Program.cs hosts it.</summary>
internal sealed class RunningOperator : IAsyncDisposable
{
    private bool stopped;

    public RunningOperator(string identity, WebApplication app)
    {
        Identity = identity;
        App = app;
    }

    public string Identity { get; }

    public WebApplication App { get; }

    public OperatorMetrics Metrics => App.Services.GetRequiredService<OperatorMetrics>();

    public Operator.Leadership.Leadership Leadership => App.Services.GetRequiredService<Operator.Leadership.Leadership>();

    public BudgetStatusWriter StatusWriter => App.Services.GetRequiredService<BudgetStatusWriter>();

    public EventRecorder Events => App.Services.GetRequiredService<EventRecorder>();

    public BudgetController Controller => App.Services.GetRequiredService<BudgetController>();

    public double GrantWrites => Metrics.GrantWrites("create") + Metrics.GrantWrites("update") + Metrics.GrantWrites("delete");

    public Uri HttpAddress => OperatorHost.HttpAddress(App);

    public async Task StopAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await App.DisposeAsync();
    }
}

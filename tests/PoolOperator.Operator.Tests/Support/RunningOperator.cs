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
    private bool disposed;

    public RunningOperator(string identity, WebApplication app)
    {
        Identity = identity;
        App = app;

        // Resolved now, so that a test can still look at them after the operator is gone.
        Metrics = app.Services.GetRequiredService<OperatorMetrics>();
        Leadership = app.Services.GetRequiredService<Operator.Leadership.Leadership>();
        StatusWriter = app.Services.GetRequiredService<BudgetStatusWriter>();
        Events = app.Services.GetRequiredService<EventRecorder>();
        Controller = app.Services.GetRequiredService<BudgetController>();
    }

    public string Identity { get; }

    public WebApplication App { get; }

    public OperatorMetrics Metrics { get; }

    public Operator.Leadership.Leadership Leadership { get; }

    public BudgetStatusWriter StatusWriter { get; }

    public EventRecorder Events { get; }

    public BudgetController Controller { get; }

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
        if (disposed)
        {
            return;
        }

        disposed = true;
        await StopAsync();
        await App.DisposeAsync();
    }
}

using Microsoft.Extensions.Logging;

namespace PoolOperator.ScaleStorm;

/// <summary>Sends the in-process operator's logs to the storm's own logger factory, so one filter governs both.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the storm.
    }
}

using System.Threading.Channels;

namespace PoolOperator.LocalCluster.Simulation;

/// <summary>
/// A coalescing wake-up: any number of notifications before the next wait count as one, because
/// each round re-reads the whole state anyway.
/// </summary>
internal sealed class ChangeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Records that something changed.</summary>
    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a notification or until <paramref name="timeout"/> passes on <paramref name="timeProvider"/>'s clock.</summary>
    /// <returns>True when woken by a notification.</returns>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return true;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var notified = _channel.Reader.WaitToReadAsync(timer.Token).AsTask();
        var elapsed = Task.Delay(timeout, timeProvider, timer.Token);
        var first = await Task.WhenAny(notified, elapsed).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return first == notified && _channel.Reader.TryRead(out _);
    }
}

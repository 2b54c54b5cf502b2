namespace PoolOperator.Conformance.Tests.Infrastructure;

/// <summary>Bounded waits for eventual conditions: generous bounds for a loaded machine, never a timing assertion.</summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(45);

    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {within ?? DefaultWithin}: {what()}");
            }

            await Task.Delay(25);
        }
    }
}

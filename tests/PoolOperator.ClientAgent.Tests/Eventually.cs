namespace PoolOperator.ClientAgent.Tests;

/// <summary>Bounded waits for eventual conditions (never assertions about speed).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {within ?? TimeSpan.FromSeconds(20)}: {what}");
            }

            await Task.Delay(20);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, within);
}

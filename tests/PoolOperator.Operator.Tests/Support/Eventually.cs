namespace PoolOperator.Operator.Tests;

/// <summary>Bounded waits for eventual conditions (never a timing assertion: only an upper bound).</summary>
internal static class Eventually
{
    // Generous: CI machines run several suites at once; a passing run never waits this long.
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"Timed out waiting until {what}." + (last is null ? "" : $" Last error: {last.Message}"), last);
    }

    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, string what, TimeSpan? timeout = null)
    {
        var value = default(T);
        await TrueAsync(
            async () =>
            {
                value = await read();
                return accept(value);
            },
            what,
            timeout);
        return value!;
    }
}

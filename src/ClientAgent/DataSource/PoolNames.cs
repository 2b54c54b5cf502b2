namespace PoolOperator.ClientAgent;

/// <summary>
/// Keeps the Npgsql pool names of live data sources unique in the process: the physical connections are
/// measured by pool name, so two pools under one name would be counted together.
/// </summary>
internal static class PoolNames
{
    private static readonly HashSet<string> InUse = new(StringComparer.Ordinal);

    public static Lease Take(string preferred)
    {
        lock (InUse)
        {
            var name = preferred;
            for (var suffix = 2; !InUse.Add(name); suffix++)
            {
                name = $"{preferred}#{suffix}";
            }

            return new Lease(name);
        }
    }

    /// <summary>A name held until disposed.</summary>
    public sealed class Lease(string name) : IDisposable
    {
        public string Name { get; } = name;

        public void Dispose()
        {
            lock (InUse)
            {
                InUse.Remove(Name);
            }
        }
    }
}

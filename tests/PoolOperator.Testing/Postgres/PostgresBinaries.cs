namespace PoolOperator.Testing;

/// <summary>Finds the PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>).</summary>
public static class PostgresBinaries
{
    /// <summary>Environment variable naming a bin directory that overrides the search.</summary>
    public const string BinDirectoryVariable = "POOLOPERATOR_PG_BIN";

    private const string DebianRoot = "/usr/lib/postgresql";

    /// <summary>
    /// The directory holding <c>initdb</c> and <c>pg_ctl</c>: <paramref name="configured"/> when given,
    /// else <c>POOLOPERATOR_PG_BIN</c>, else the newest major version under <c>/usr/lib/postgresql</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No binaries were found; the message says how to install them.</exception>
    public static string Locate(string? configured = null)
    {
        var explicitDirectory = configured ?? Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            return HasServerTools(explicitDirectory)
                ? explicitDirectory
                : throw new InvalidOperationException(
                    $"'{explicitDirectory}' (from {(configured is null ? BinDirectoryVariable : "PostgresServerOptions.BinDirectory")}) " +
                    "does not contain initdb and pg_ctl.");
        }

        var newest = Directory.Exists(DebianRoot)
            ? Directory.EnumerateDirectories(DebianRoot)
                .Select(dir => (dir, version: ParseMajor(Path.GetFileName(dir))))
                .Where(candidate => candidate.version > 0 && HasServerTools(Path.Combine(candidate.dir, "bin")))
                .OrderByDescending(candidate => candidate.version)
                .Select(candidate => Path.Combine(candidate.dir, "bin"))
                .FirstOrDefault()
            : null;

        return newest ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries found under {DebianRoot}/*/bin (initdb, pg_ctl). " +
            $"Install them with `apt-get install postgresql`, or set {BinDirectoryVariable} to a directory holding initdb and pg_ctl.");
    }

    private static bool HasServerTools(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));

    private static int ParseMajor(string name) =>
        int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major) ? major : 0;
}

using Microsoft.Extensions.Options;

namespace PoolOperator.ClientAgent;

/// <summary>
/// Checks <see cref="ClientAgentOptions"/> once, at start; every error names the setting as it is written in
/// configuration (<c>PoolOperator:Agent:...</c>) or the environment variable that feeds it.
/// </summary>
public sealed class ClientAgentOptionsValidator : IValidateOptions<ClientAgentOptions>
{
    private const string Prefix = ClientAgentOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClientAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options, requireLimitSource: true);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The errors in <paramref name="options"/>; empty when they are usable.</summary>
    /// <param name="options">The options to check.</param>
    /// <param name="requireLimitSource">Whether a static limit or a grant identity (pod, namespace, budget) must be present.</param>
    internal static List<string> Check(ClientAgentOptions options, bool requireLimitSource)
    {
        var errors = new List<string>();
        if (options.MaxPoolSize < 1)
        {
            errors.Add($"{Prefix}MaxPoolSize must be at least 1 (was {options.MaxPoolSize}).");
        }

        if (options.StaticLimit is { } staticLimit && (staticLimit < 0 || staticLimit > options.MaxPoolSize))
        {
            errors.Add($"{Prefix}StaticLimit ({AgentEnvironment.StaticLimit}) must be between 0 and MaxPoolSize ({options.MaxPoolSize}) (was {staticLimit}).");
        }

        if (options.FallbackLimit < 0 || options.FallbackLimit > options.MaxPoolSize)
        {
            errors.Add($"{Prefix}FallbackLimit must be between 0 and MaxPoolSize ({options.MaxPoolSize}) (was {options.FallbackLimit}).");
        }

        if (options.MinIdleConnections < 0 || options.MinIdleConnections > options.MaxPoolSize)
        {
            errors.Add($"{Prefix}MinIdleConnections must be between 0 and MaxPoolSize ({options.MaxPoolSize}) (was {options.MinIdleConnections}).");
        }

        RequireNonNegative(errors, nameof(options.StartupGrantWait), options.StartupGrantWait);
        RequirePositive(errors, nameof(options.ResizePollInterval), options.ResizePollInterval);
        RequirePositive(errors, nameof(options.WatchBackoffInitial), options.WatchBackoffInitial);
        RequirePositive(errors, nameof(options.HealthDegradedWindow), options.HealthDegradedWindow);
        RequireNonNegative(errors, nameof(options.StopGracePeriod), options.StopGracePeriod);
        RequirePositive(errors, nameof(options.StatusRefreshInterval), options.StatusRefreshInterval);
        if (options.WatchBackoffMax < options.WatchBackoffInitial)
        {
            errors.Add($"{Prefix}WatchBackoffMax must not be shorter than WatchBackoffInitial (was {options.WatchBackoffMax}).");
        }

        if (options.AcquireTimeout != Timeout.InfiniteTimeSpan)
        {
            RequirePositive(errors, nameof(options.AcquireTimeout), options.AcquireTimeout);
        }

        if (options.ConnectionIdleLifetime is { } idle && idle < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Prefix}ConnectionIdleLifetime must be at least 1 second (was {idle}).");
        }

        if (options.ConnectionLifetime is { } lifetime && lifetime < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Prefix}ConnectionLifetime must be at least 1 second (was {lifetime}).");
        }

        if (options.LeakThreshold is { } leak && leak <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}LeakThreshold must be positive when set (was {leak}).");
        }

        if (requireLimitSource && options.StaticLimit is null)
        {
            var missing = new List<string>();
            if (string.IsNullOrEmpty(options.PodName))
            {
                missing.Add($"{Prefix}PodName ({AgentEnvironment.PodName})");
            }

            if (string.IsNullOrEmpty(options.PodNamespace))
            {
                missing.Add($"{Prefix}PodNamespace ({AgentEnvironment.PodNamespace})");
            }

            if (string.IsNullOrEmpty(options.BudgetName))
            {
                missing.Add($"{Prefix}BudgetName ({AgentEnvironment.Budget})");
            }

            if (string.IsNullOrEmpty(options.PodUid))
            {
                missing.Add($"{Prefix}PodUid ({AgentEnvironment.PodUid})");
            }

            if (missing.Count > 0)
            {
                errors.Add(
                    $"No limit source: set {Prefix}StaticLimit ({AgentEnvironment.StaticLimit}) to run without Kubernetes, " +
                    $"or provide {string.Join(", ", missing)} to follow the pod's ConnectionGrant.");
            }
        }

        if (!string.IsNullOrEmpty(options.PodUid) && !Guid.TryParse(options.PodUid, out _))
        {
            errors.Add($"{Prefix}PodUid ({AgentEnvironment.PodUid}) must be the pod's metadata.uid, a UUID such as " +
                       $"'6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b' (was '{options.PodUid}'); set it from the downward API fieldRef metadata.uid.");
        }

        return errors;
    }

    private static void RequirePositive(List<string> errors, string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}{setting} must be positive (was {value}).");
        }
    }

    private static void RequireNonNegative(List<string> errors, string setting, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{Prefix}{setting} must not be negative (was {value}).");
        }
    }
}

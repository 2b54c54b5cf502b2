using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PoolOperator.Operator.Hosting;

/// <summary>Checks <see cref="OperatorOptions"/> at start; each failure names the setting as it is configured.</summary>
public sealed partial class OperatorOptionsValidator : IValidateOptions<OperatorOptions>
{
    private const string Prefix = OperatorOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.WatchNamespaces.Count; i++)
        {
            var ns = options.WatchNamespaces[i];
            if (string.IsNullOrEmpty(ns) || ns.Length > 63 || !DnsLabel().IsMatch(ns))
            {
                errors.Add($"{Prefix}WatchNamespaces:{i} = '{ns}' is not a namespace name (a DNS label: lower-case letters, digits and '-').");
            }
        }

        if (options.ResyncPeriod <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ResyncPeriod must be positive (e.g. 00:05:00), not {options.ResyncPeriod}.");
        }

        if (options.HttpPort is < 0 or > 65535)
        {
            errors.Add($"{Prefix}HttpPort must be a port number between 0 and 65535, not {options.HttpPort}.");
        }

        if (!string.IsNullOrEmpty(options.HttpAddress) && !System.Net.IPAddress.TryParse(options.HttpAddress, out _))
        {
            errors.Add($"{Prefix}HttpAddress must be an IP address (or empty for every interface), not '{options.HttpAddress}'.");
        }

        if (options.Workers is < 1 or > 64)
        {
            errors.Add($"{Prefix}Workers must be between 1 and 64, not {options.Workers}.");
        }

        if (options.ServerLimitsCacheDuration < TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ServerLimitsCacheDuration must not be negative.");
        }

        if (options.ServerRetryDelay <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ServerRetryDelay must be positive, not {options.ServerRetryDelay}.");
        }

        if (!double.IsFinite(options.ApiQps) || options.ApiQps <= 0 || options.ApiQps > 10_000)
        {
            errors.Add($"{Prefix}ApiQps must be a number of requests per second above 0 and at most 10000, not {options.ApiQps}.");
        }

        if (options.ApiBurst is < 1 or > 100_000)
        {
            errors.Add($"{Prefix}ApiBurst must be between 1 and 100000, not {options.ApiBurst}.");
        }

        ValidateLeaderElection(options.LeaderElection, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateLeaderElection(LeaderElectionOptions election, List<string> errors)
    {
        const string section = Prefix + "LeaderElection:";
        if (!election.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(election.LeaseName) || !DnsSubdomain().IsMatch(election.LeaseName))
        {
            errors.Add($"{section}LeaseName = '{election.LeaseName}' is not a valid object name.");
        }

        if (election.LeaseNamespace is { } ns && !DnsLabel().IsMatch(ns))
        {
            errors.Add($"{section}LeaseNamespace = '{ns}' is not a namespace name.");
        }

        if (election.RetryPeriod <= TimeSpan.Zero)
        {
            errors.Add($"{section}RetryPeriod must be positive, not {election.RetryPeriod}.");
        }

        if (election.RenewDeadline <= election.RetryPeriod)
        {
            errors.Add($"{section}RenewDeadline ({election.RenewDeadline}) must be longer than RetryPeriod ({election.RetryPeriod}).");
        }

        if (election.LeaseDuration <= election.RenewDeadline)
        {
            // The leader must give up before a follower may take over, or two would write at once.
            errors.Add($"{section}LeaseDuration ({election.LeaseDuration}) must be longer than RenewDeadline ({election.RenewDeadline}).");
        }

        if (election.LeaseDuration.TotalSeconds < 1)
        {
            errors.Add($"{section}LeaseDuration must be at least one second (the Lease stores whole seconds).");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex DnsSubdomain();
}

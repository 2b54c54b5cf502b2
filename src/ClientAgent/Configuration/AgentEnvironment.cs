using System.Globalization;

namespace PoolOperator.ClientAgent;

/// <summary>
/// The environment contract of the agent: the pod's identity from the downward API and the budget it belongs
/// to, as the Helm chart sets them. Values from options win; the environment fills what options leave unset.
/// </summary>
public static class AgentEnvironment
{
    /// <summary>The pod's name, from the downward API (<c>metadata.name</c>).</summary>
    public const string PodName = "POD_NAME";

    /// <summary>The pod's namespace, from the downward API (<c>metadata.namespace</c>).</summary>
    public const string PodNamespace = "POD_NAMESPACE";

    /// <summary>The pod's UID, from the downward API (<c>metadata.uid</c>): the agent follows only a grant bound to it.</summary>
    public const string PodUid = "POD_UID";

    /// <summary>The name of the DatabaseBudget.</summary>
    public const string Budget = "POOLOPERATOR_BUDGET";

    /// <summary>A fixed limit used instead of a grant when not running in Kubernetes.</summary>
    public const string StaticLimit = "POOLOPERATOR_STATIC_LIMIT";

    /// <summary>Fills the unset identity and limit settings of <paramref name="options"/> from <paramref name="variables"/>.</summary>
    /// <param name="options">The options to complete.</param>
    /// <param name="variables">Reads one environment variable; defaults to the process environment.</param>
    /// <exception cref="FormatException"><c>POOLOPERATOR_STATIC_LIMIT</c> is not a whole number.</exception>
    public static void Apply(ClientAgentOptions options, Func<string, string?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        variables ??= Environment.GetEnvironmentVariable;
        options.PodName ??= NullIfEmpty(variables(PodName));
        options.PodNamespace ??= NullIfEmpty(variables(PodNamespace));
        options.PodUid ??= NullIfEmpty(variables(PodUid));
        options.BudgetName ??= NullIfEmpty(variables(Budget));
        if (options.StaticLimit is null && NullIfEmpty(variables(StaticLimit)) is { } text)
        {
            options.StaticLimit = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit)
                ? limit
                : throw new FormatException($"{StaticLimit}='{text}' is not a whole number of connections.");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

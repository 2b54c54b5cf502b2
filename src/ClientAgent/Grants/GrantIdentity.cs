using PoolOperator.Api;

namespace PoolOperator.ClientAgent;

/// <summary>Which ConnectionGrant is this pod's: its namespace and its name, derived from the pod and the budget.</summary>
/// <param name="Namespace">The pod's namespace (<c>POD_NAMESPACE</c>).</param>
/// <param name="PodName">The pod's name (<c>POD_NAME</c>).</param>
/// <param name="BudgetName">The budget (<c>POOLOPERATOR_BUDGET</c>).</param>
/// <param name="PodUid">The pod's UID (<c>POD_UID</c>); only a grant bound to it is followed. Required by <see cref="GrantAgent"/>.</param>
public sealed record GrantIdentity(string Namespace, string PodName, string BudgetName, string? PodUid = null)
{
    /// <summary>The grant's name, as the operator names it.</summary>
    public string GrantName { get; } = ApiGroup.GrantName(PodName, BudgetName);

    /// <summary>The identity in <paramref name="options"/>, or null when any part is missing.</summary>
    public static GrantIdentity? From(ClientAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(options.PodNamespace) || string.IsNullOrEmpty(options.PodName) || string.IsNullOrEmpty(options.BudgetName)
            ? null
            : new GrantIdentity(options.PodNamespace, options.PodName, options.BudgetName, options.PodUid);
    }

    /// <summary><c>namespace/name</c> of the grant, for logs.</summary>
    public string Display { get; } = Namespace + "/" + ApiGroup.GrantName(PodName, BudgetName);

    /// <inheritdoc />
    public override string ToString() => Display;
}

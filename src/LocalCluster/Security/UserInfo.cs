namespace PoolOperator.LocalCluster.Security;

/// <summary>Who a request comes from, as the authenticator established it (the apiserver's <c>user.Info</c>).</summary>
/// <param name="Name">User name, e.g. <c>admin</c> or <c>system:serviceaccount:ns:name</c>.</param>
/// <param name="Groups">Groups the user is in; <c>system:authenticated</c> for everyone with a valid token.</param>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>The group every authenticated user is in.</summary>
    public const string Authenticated = "system:authenticated";

    /// <summary>The group whose members may do everything.</summary>
    public const string Masters = "system:masters";

    /// <summary>The cluster administrator the default kubeconfig and client use.</summary>
    public static UserInfo Admin { get; } = new("admin", [Masters, Authenticated]);

    /// <summary>The identity a ServiceAccount's token carries.</summary>
    public static UserInfo ServiceAccount(string ns, string name) =>
        new(ServiceAccountUserName(ns, name), ["system:serviceaccounts", "system:serviceaccounts:" + ns, Authenticated]);

    /// <summary><c>system:serviceaccount:NS:NAME</c>.</summary>
    public static string ServiceAccountUserName(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    /// <summary>Whether the user is in the group.</summary>
    public bool InGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Name;
}

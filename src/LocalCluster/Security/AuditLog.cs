
namespace PoolOperator.LocalCluster.Security;

/// <summary>
/// One request as authorization saw it, and how it was answered: the record an end-to-end test compares with
/// what the identity's Role grants. <see cref="Path"/> is set for every request; the resource fields only for
/// resource requests.
/// </summary>
/// <param name="User">User name (<c>system:serviceaccount:ns:name</c>, <c>admin</c>, <c>system:anonymous</c>).</param>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection (or the lower-case method for non-resource paths).</param>
/// <param name="ApiGroup">API group; empty for the core group.</param>
/// <param name="Resource">Plural resource, e.g. <c>connectiongrants</c>.</param>
/// <param name="Subresource">Subresource, e.g. <c>status</c>; empty for none.</param>
/// <param name="Namespace">Namespace; empty for cluster-scoped requests.</param>
/// <param name="Name">Object name; empty for collections (unless a field selector names one object).</param>
/// <param name="Code">HTTP status of the answer (403 when RBAC refused it).</param>
/// <param name="Path">The URL path.</param>
/// <param name="IsResourceRequest">Whether the request was for a resource (not discovery, health or OpenAPI).</param>
public sealed record AuditEntry(
    string User, string Verb, string ApiGroup, string Resource, string Subresource, string Namespace, string Name, int Code, string Path, bool IsResourceRequest)
{
    /// <summary>Resource and subresource as a Role names them: <c>connectiongrants/status</c>.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;
}

/// <summary>
/// The audit record of every authenticated request (the most recent <see cref="Capacity"/>), for tests that check
/// what an identity actually called. Thread-safe.
/// </summary>
public sealed class AuditLog
{
    private readonly Queue<AuditEntry> _entries = new();
    private readonly Lock _gate = new();

    internal AuditLog(int capacity) => Capacity = capacity;

    /// <summary>How many entries are kept; older ones are dropped first.</summary>
    public int Capacity { get; }

    /// <summary>A snapshot of the entries, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The entries of one user, oldest first.</summary>
    public IReadOnlyList<AuditEntry> EntriesOf(string user) => Entries.Where(e => e.User == user).ToList();

    /// <summary>Forgets every entry (a test's clean start).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    internal void Record(RequestAttributes request, int code)
    {
        var entry = new AuditEntry(
            request.User.Name, request.Verb, request.ApiGroup, request.Resource, request.Subresource, request.Namespace, request.Name, code, request.Path,
            request.IsResourceRequest);
        lock (_gate)
        {
            _entries.Enqueue(entry);
            while (_entries.Count > Capacity)
            {
                _entries.Dequeue();
            }
        }
    }
}

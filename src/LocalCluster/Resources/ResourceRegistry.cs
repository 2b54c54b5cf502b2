namespace PoolOperator.LocalCluster.Resources;

/// <summary>
/// The resources the server serves: the built-ins, plus what posted CustomResourceDefinitions define.
/// Reads return snapshots, so discovery never sees a half-registered CRD.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private readonly List<ResourceType> _builtIns;
    private readonly Dictionary<string, IReadOnlyList<ResourceType>> _custom = new(StringComparer.Ordinal);
    private IReadOnlyList<ResourceType> _all;

    public ResourceRegistry(IEnumerable<ResourceType> builtIns)
    {
        _builtIns = builtIns.ToList();
        _all = _builtIns;
    }

    /// <summary>Every served resource, built-ins first.</summary>
    public IReadOnlyList<ResourceType> All
    {
        get
        {
            lock (_gate)
            {
                return _all;
            }
        }
    }

    /// <summary>The resource served at <c>group/version/plural</c>, or null.</summary>
    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>Some served version of the resource stored under the key (the first registered), or null.</summary>
    public ResourceType? FindByStorageKey(string storageKey) => All.FirstOrDefault(r => r.StorageKey == storageKey);

    /// <summary>Whether any resource is served under the group and version.</summary>
    public bool ServesGroupVersion(string group, string version) =>
        All.Any(r => r.Group == group && r.Version == version);

    /// <summary>Served (group, versions) in discovery order: core first, then groups by first registration.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> GroupVersions()
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var group in All.Select(r => r.Group).Distinct())
        {
            var versions = All.Where(r => r.Group == group).Select(r => r.Version).Distinct().ToList();
            result.Add((group, versions));
        }

        return result;
    }

    /// <summary>Replaces the resources defined by one CRD (by its name); an empty list removes them.</summary>
    public void SetCustom(string crdName, IReadOnlyList<ResourceType> types)
    {
        lock (_gate)
        {
            if (types.Count == 0)
            {
                _custom.Remove(crdName);
            }
            else
            {
                _custom[crdName] = types;
            }

            _all = _builtIns.Concat(_custom.Values.SelectMany(t => t)).ToList();
        }
    }
}

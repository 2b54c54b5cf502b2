using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Selectors;

/// <summary>
/// Which stored objects a list, a watch or a deletecollection sees: an optional namespace, a label
/// selector and a field selector. Reads an object's selector view only, and only when a selector
/// is given: a plain list of 10,000 pods parses none of them.
/// </summary>
internal sealed class ObjectSelection(string? ns, LabelSelector labels, FieldSelector fields)
{
    public bool Matches(StoredObject obj) => Matches(obj.Namespace, obj.View);

    /// <summary>Whether an object state (its namespace and <see cref="StoredObject.View"/>) is selected.</summary>
    public bool Matches(string? objectNamespace, byte[] view)
    {
        if (ns is not null && objectNamespace != ns)
        {
            return false;
        }

        if (labels.IsEverything && fields.IsEverything)
        {
            return true;
        }

        var tree = JsonNode.Parse(view)!.AsObject();
        return labels.Matches(tree.Labels()) && fields.Matches(tree);
    }
}

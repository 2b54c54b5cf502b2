using k8s;
using k8s.Models;

namespace PoolOperator.Operator.Controller;

/// <summary>Identifies a namespaced object: the key of caches and of the work queue.</summary>
/// <param name="Namespace">The object's namespace ("" for cluster-scoped objects).</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    /// <summary>The key of an object, from its metadata.</summary>
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new ObjectKey(obj.Metadata.NamespaceProperty ?? "", obj.Metadata.Name ?? "");
    }

    /// <summary><c>namespace/name</c>, as kubectl and logs show it.</summary>
    public override string ToString() => Namespace.Length == 0 ? Name : Namespace + "/" + Name;
}

using PoolOperator.LocalCluster.CustomResources;

namespace PoolOperator.LocalCluster.Resources;

/// <summary>One served resource: a group, version and plural, with what the server knows about it.</summary>
internal sealed record ResourceType
{
    /// <summary>API group; empty for the core group.</summary>
    public required string Group { get; init; }

    /// <summary>API version within the group.</summary>
    public required string Version { get; init; }

    /// <summary>Kind of the objects.</summary>
    public required string Kind { get; init; }

    /// <summary>Plural, as used in URLs.</summary>
    public required string Plural { get; init; }

    /// <summary>Lower-case singular name.</summary>
    public required string Singular { get; init; }

    /// <summary>Whether objects live in namespaces.</summary>
    public required bool Namespaced { get; init; }

    /// <summary>Short names kubectl accepts.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Categories (e.g. <c>all</c>).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Whether <c>/status</c> is a separate subresource (the main endpoint then ignores status).</summary>
    public bool HasStatusSubresource { get; init; }

    /// <summary>The <c>/scale</c> subresource, when served.</summary>
    public ScaleSubresource? Scale { get; init; }

    /// <summary>Columns for table output, beyond NAME (and AGE, which is added last when not listed).</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>The CRD's structural schema, for custom resources.</summary>
    public CustomResourceSchema? Schema { get; init; }

    /// <summary>Whether the type was defined by a CustomResourceDefinition.</summary>
    public bool IsCustom { get; init; }

    /// <summary>Storage identity independent of version: every version of a resource shares its objects.</summary>
    public string StorageKey => Group + "/" + Plural;

    /// <summary><c>apiVersion</c> as written in objects.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>Group and plural as kubectl and error messages print them (<c>deployments.apps</c>).</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : Plural + "." + Group;
}

/// <summary>Where the replica counts of a resource with a <c>/scale</c> subresource live.</summary>
/// <param name="SpecReplicasPath">Dotted path of the desired replicas, e.g. <c>spec.replicas</c>.</param>
/// <param name="StatusReplicasPath">Dotted path of the observed replicas.</param>
/// <param name="LabelSelectorPath">Dotted path of the selector: a string, or a LabelSelector object for built-ins.</param>
internal sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>A column of <c>kubectl get</c> output.</summary>
/// <param name="Name">Header text.</param>
/// <param name="Type">OpenAPI type: string, integer, number, boolean, date.</param>
/// <param name="JsonPath">Simple JSONPath into the object (<c>.spec.replicas</c>), as in CRD additionalPrinterColumns.</param>
/// <param name="Priority">0 for the default table; higher only with <c>-o wide</c>.</param>
/// <param name="Format">OpenAPI format, e.g. <c>name</c>.</param>
/// <param name="Compute">For built-ins whose column is derived (READY <c>1/1</c>), computes the cell instead of <paramref name="JsonPath"/>.</param>
internal sealed record PrinterColumn(string Name, string Type, string JsonPath, int Priority = 0, string Format = "", Func<System.Text.Json.Nodes.JsonObject, System.Text.Json.Nodes.JsonNode?>? Compute = null);

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>Per-request options of a write, and the warnings it produces for the <c>Warning</c> header.</summary>
internal sealed class WriteContext
{
    /// <summary><c>fieldValidation</c>: Ignore, Warn (the default) or Strict.</summary>
    public string FieldValidation { get; init; } = "Warn";

    /// <summary><c>dryRun=All</c>: validate and answer, but store nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Warnings to send back (unknown fields dropped under Warn).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Whether unknown fields are rejected.</summary>
    public bool Strict => string.Equals(FieldValidation, "Strict", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a DELETE asks for (query parameters and the DeleteOptions body).</summary>
internal sealed record DeleteRequest
{
    /// <summary>Grace period; null means the resource's default.</summary>
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Orphan, Background or Foreground; null means Background.</summary>
    public string? PropagationPolicy { get; init; }

    /// <summary>Precondition on the uid.</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Precondition on the resourceVersion.</summary>
    public string? PreconditionResourceVersion { get; init; }

    /// <summary>dryRun=All.</summary>
    public bool DryRun { get; init; }
}

namespace PoolOperator.Operator.Controller;

/// <summary>
/// How a <see cref="ListWatchSource{T}"/> narrows and trims what it reads: the selectors the server
/// filters by, the page size of lists, and a transform applied to every object before it is cached.
/// </summary>
/// <typeparam name="T">The kind of object.</typeparam>
public sealed record SourceOptions<T>
{
    /// <summary>The default page size, as client-go's pager uses.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>A label selector the server filters lists and watches by; null for none.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector the server filters lists and watches by; null for none.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>
    /// Objects per list page (<c>limit</c>, then <c>continue</c>); zero or less lists in one call.
    /// Paging bounds the memory one list needs: only a page is held before it is trimmed.
    /// </summary>
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>
    /// Applied to every listed and watched object before anything else sees it, to drop what the
    /// operator does not read (client-go's informer transform). Null keeps objects whole.
    /// </summary>
    public Func<T, T>? Transform { get; init; }
}

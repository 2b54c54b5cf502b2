namespace PoolOperator.LocalCluster.Storage;

/// <summary>One change in the store's history, as watches replay it.</summary>
/// <param name="ResourceVersion">The global resourceVersion the change produced.</param>
/// <param name="StorageKey">Which resource changed (<see cref="Resources.ResourceType.StorageKey"/>).</param>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Object">The object after the change (for DELETED: its last state, carrying the deletion's resourceVersion).</param>
/// <param name="PreviousView">What selectors read of the object before the change (<see cref="StoredObject.View"/>); null for ADDED.</param>
internal sealed record StoredEvent(long ResourceVersion, string StorageKey, string Type, StoredObject Object, byte[]? PreviousView);

/// <summary>A line of a watch stream: the event type and the object as this watcher renders it (UTF-8 JSON).</summary>
internal readonly record struct WatchMessage(string Type, byte[] Object);

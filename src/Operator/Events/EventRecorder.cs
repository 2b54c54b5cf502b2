using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace PoolOperator.Operator.Events;

/// <summary>Event types, as Kubernetes names them.</summary>
public static class EventTypes
{
    /// <summary>Something worth knowing.</summary>
    public const string Normal = "Normal";

    /// <summary>Something that needs attention.</summary>
    public const string Warning = "Warning";
}

/// <summary>
/// Posts events.k8s.io/v1 Events about objects. A repeat of the same event (same object, type,
/// reason and note) within the aggregation window does not post a new Event: it raises the
/// existing one's <c>series.count</c>, at most once per <see cref="EventRecorderSettings.SeriesUpdateInterval"/>.
/// Events are best effort: failures are logged, never thrown.
/// </summary>
public sealed partial class EventRecorder
{
    private readonly IKubernetes client;
    private readonly TimeProvider time;
    private readonly EventRecorderSettings settings;
    private readonly ILogger<EventRecorder> logger;
    private readonly ConcurrentDictionary<string, Posted> posted = new(StringComparer.Ordinal);

    /// <summary>Creates a recorder.</summary>
    public EventRecorder(IKubernetes client, TimeProvider time, EventRecorderSettings settings, ILogger<EventRecorder> logger)
    {
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Events posted or aggregated so far, for tests and diagnostics.</summary>
    public int Recorded => posted.Values.Sum(p => p.Count);

    /// <summary>Records an event about <paramref name="regarding"/>.</summary>
    /// <param name="regarding">The object the event is about.</param>
    /// <param name="type"><see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</param>
    /// <param name="reason">A short CamelCase reason.</param>
    /// <param name="action">What the operator did or failed to do.</param>
    /// <param name="note">A human-readable description (at most 1 kB is kept).</param>
    /// <param name="cancellationToken">Cancelled when the operator stops writing.</param>
    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        if (note.Length > 1024)
        {
            note = note[..1021] + "...";
        }

        var ns = regarding.Metadata.NamespaceProperty ?? "default";
        var key = string.Join('\u0001', regarding.Metadata.Uid ?? regarding.Metadata.Name, type, reason, note);
        var now = time.GetUtcNow();
        try
        {
            if (posted.TryGetValue(key, out var previous) && now - previous.FirstSeen < settings.AggregationWindow)
            {
                var count = previous.Count + 1;
                if (now - previous.LastWritten >= settings.SeriesUpdateInterval)
                {
                    var patch = new { series = new { count, lastObservedTime = MicroTime(now) } };
                    await client.EventsV1.PatchNamespacedEventAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), previous.Name, ns, cancellationToken: cancellationToken);
                    posted[key] = previous with { Count = count, LastWritten = now };
                }
                else
                {
                    posted[key] = previous with { Count = count };
                }

                return;
            }

            var created = await client.EventsV1.CreateNamespacedEventAsync(
                new Eventsv1Event
                {
                    Metadata = new V1ObjectMeta { GenerateName = (regarding.Metadata.Name ?? "object") + ".", NamespaceProperty = ns },
                    EventTime = now.UtcDateTime,
                    ReportingController = settings.ReportingController,
                    ReportingInstance = settings.ReportingInstance,
                    Action = action,
                    Reason = reason,
                    Type = type,
                    Note = note,
                    Regarding = new V1ObjectReference
                    {
                        ApiVersion = regarding.ApiVersion,
                        Kind = regarding.Kind,
                        Name = regarding.Metadata.Name,
                        NamespaceProperty = regarding.Metadata.NamespaceProperty,
                        Uid = regarding.Metadata.Uid,
                        ResourceVersion = regarding.Metadata.ResourceVersion,
                    },
                },
                ns,
                cancellationToken: cancellationToken);
            posted[key] = new Posted(created.Metadata.Name, now, now, 1);
            Prune(now);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Events are best effort: a failure to post one must not fail the reconcile.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogEventFailed(logger, ex, reason, regarding.Metadata.Name);
        }
    }

    /// <summary>
    /// A MicroTime as the API server requires it: RFC 3339 with exactly six fractional digits (a value without them is
    /// refused by a real API server).
    /// </summary>
    public static string MicroTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in posted)
        {
            if (now - entry.FirstSeen >= settings.AggregationWindow)
            {
                posted.TryRemove(key, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post event {Reason} about {Name}")]
    private static partial void LogEventFailed(ILogger logger, Exception exception, string reason, string? name);

    private sealed record Posted(string Name, DateTimeOffset FirstSeen, DateTimeOffset LastWritten, int Count);
}

/// <summary>Settings of an <see cref="EventRecorder"/>.</summary>
public sealed record EventRecorderSettings
{
    /// <summary>reportingController of every event.</summary>
    public string ReportingController { get; init; } = "pooloperator.io/operator";

    /// <summary>reportingInstance of every event: this replica's identity.</summary>
    public string ReportingInstance { get; init; } = Environment.MachineName;

    /// <summary>How long repeats are folded into one Event.</summary>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two updates of one Event's series.</summary>
    public TimeSpan SeriesUpdateInterval { get; init; } = TimeSpan.FromSeconds(30);
}

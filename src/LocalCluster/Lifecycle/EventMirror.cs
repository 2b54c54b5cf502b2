using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;
using PoolOperator.LocalCluster.Storage;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// Copies every <c>events.k8s.io/v1</c> Event to a core <c>v1</c> Event of the same name, converting the fields
/// as the real server's conversion does, so <c>kubectl get events</c> and <c>kubectl describe</c> show what the
/// operator reports. The copy follows the original (created, updated and deleted with it); it is not copied back.
/// </summary>
internal sealed class EventMirror
{
    private const string CoreEvents = "/events";
    private readonly ObjectStore _store;

    public EventMirror(ObjectStore store) => _store = store;

    public static bool IsEventsV1(ResourceType type) => type.Group == "events.k8s.io" && type.Plural == "events";

    public void Stored(JsonObject eventsV1)
    {
        var core = ToCore(eventsV1);
        if (_store.Get(CoreEvents, core.Namespace(), core.Name()) is { } existing)
        {
            var comparable = existing.CloneObject();
            comparable.Metadata()["resourceVersion"] = core.Metadata()["resourceVersion"]?.DeepClone();
            if (JsonNode.DeepEquals(comparable, core))
            {
                return;
            }
        }

        _store.Put(CoreEvents, core);
    }

    public void Removed(JsonObject eventsV1) => _store.Remove(CoreEvents, eventsV1.Namespace(), eventsV1.Name());

    private static JsonObject ToCore(JsonObject e)
    {
        var core = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = e.Metadata().DeepClone(),
        };
        Copy(e, "regarding", core, "involvedObject");
        Copy(e, "related", core, "related");
        Copy(e, "reason", core, "reason");
        Copy(e, "note", core, "message");
        Copy(e, "type", core, "type");
        Copy(e, "action", core, "action");
        Copy(e, "eventTime", core, "eventTime");
        Copy(e, "series", core, "series");
        Copy(e, "reportingController", core, "reportingComponent");
        Copy(e, "reportingInstance", core, "reportingInstance");
        Copy(e, "deprecatedFirstTimestamp", core, "firstTimestamp");
        Copy(e, "deprecatedLastTimestamp", core, "lastTimestamp");
        Copy(e, "deprecatedCount", core, "count");
        core["source"] = e["deprecatedSource"]?.DeepClone()
            ?? new JsonObject { ["component"] = e["reportingController"]?.DeepClone(), ["host"] = e["reportingInstance"]?.DeepClone() };
        core["involvedObject"] ??= new JsonObject();
        return core;
    }

    private static void Copy(JsonObject from, string fromName, JsonObject to, string toName)
    {
        if (from[fromName] is { } value)
        {
            to[toName] = value.DeepClone();
        }
    }
}

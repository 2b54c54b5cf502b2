using System.Text;
using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Http;
using PoolOperator.LocalCluster.Json;
using PoolOperator.LocalCluster.Resources;

namespace PoolOperator.LocalCluster.Lifecycle;

/// <summary>
/// The defaults and checks the real server applies to the built-in kinds the project uses:
/// pods start Pending, workloads default to one replica and need a selector matching their template,
/// namespaces are Active, secrets fold <c>stringData</c> into <c>data</c>.
/// </summary>
internal static class BuiltInDefaults
{
    public static void Apply(ResourceType type, JsonObject obj, JsonObject? old)
    {
        switch (type.Group, type.Plural)
        {
            case ("", "pods"):
                Pod(type, obj, old);
                break;
            case ("apps", "deployments" or "statefulsets" or "replicasets"):
                Workload(type, obj);
                break;
            case ("", "namespaces"):
                obj.Metadata()["labels"] ??= new JsonObject();
                obj.Metadata()["labels"]!["kubernetes.io/metadata.name"] = obj.Name();
                obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] ??= new JsonObject { ["phase"] = "Active" };
                break;
            case ("", "secrets"):
                Secret(obj);
                break;
            case ("batch", "jobs") when old is null:
                Job(obj);
                break;
            case ("", "services"):
                Service(obj, old);
                break;
        }
    }

    private static void Pod(ResourceType type, JsonObject pod, JsonObject? old)
    {
        var spec = pod["spec"] as JsonObject;
        if (spec?["containers"] is not JsonArray { Count: > 0 })
        {
            throw ApiException.Invalid(type.Group, type.Kind, pod.Name(), [FieldError.Required("spec.containers")]);
        }

        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["restartPolicy"] ??= "Always";
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        if (old is null)
        {
            pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
        }
    }

    private static void Workload(ResourceType type, JsonObject workload)
    {
        var spec = workload["spec"] as JsonObject ?? [];
        workload["spec"] = spec;
        spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        if (type.Plural == "deployments")
        {
            spec["progressDeadlineSeconds"] ??= 600;
            if (spec["strategy"] is JsonObject { Count: 0 })
            {
                spec.Remove("strategy"); // a protobuf body always carries the (empty) strategy struct
            }

            spec["strategy"] ??= new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
            };
        }
        else if (type.Plural == "statefulsets")
        {
            spec["podManagementPolicy"] ??= "OrderedReady";
            spec["updateStrategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } };
        }

        if (spec["selector"] is not JsonObject selector)
        {
            throw ApiException.Invalid(type.Group, type.Kind, workload.Name(), [FieldError.Required("spec.selector")]);
        }

        var templateLabels = spec.At("template", "metadata", "labels") as JsonObject ?? [];
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        foreach (var (key, value) in matchLabels)
        {
            if (JsonNodes.ScalarText(templateLabels[key]) != JsonNodes.ScalarText(value))
            {
                throw ApiException.Invalid(type.Group, type.Kind, workload.Name(),
                    [FieldError.Invalid("spec.template.metadata.labels", templateLabels.DeepClone(), "`selector` does not match template `labels`")]);
            }
        }
    }

    /// <summary>
    /// A new Job as the real server defaults it: one completion, parallelism 1, backoffLimit 6, and (without
    /// <c>manualSelector</c>) a selector on the <c>batch.kubernetes.io/controller-uid</c> label the template gets.
    /// </summary>
    private static void Job(JsonObject job)
    {
        var spec = job["spec"] as JsonObject ?? [];
        job["spec"] = spec;
        spec["completions"] ??= 1;
        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        if (JsonNodes.IsTrue(spec["manualSelector"]) || job.Uid() is not { } uid)
        {
            return;
        }

        var template = spec["template"] as JsonObject ?? [];
        spec["template"] = template;
        var meta = template["metadata"] as JsonObject ?? [];
        template["metadata"] = meta;
        var labels = meta["labels"] as JsonObject ?? [];
        meta["labels"] = labels;
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = job.Name();
        labels["controller-uid"] = uid;
        labels["job-name"] = job.Name();
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
    }

    /// <summary>
    /// A Service as the real server defaults it: type ClusterIP, a cluster IP from 10.96.0.0/12 when the type needs
    /// one and none was asked for, TCP ports whose targetPort defaults to the port, sessionAffinity None.
    /// </summary>
    private static void Service(JsonObject service, JsonObject? old)
    {
        var spec = service["spec"] as JsonObject ?? [];
        service["spec"] = spec;
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (spec.GetString("type") != "ExternalName" && spec.GetString("clusterIP") is null or "")
        {
            var kept = JsonNodes.ScalarText(old?.At("spec", "clusterIP"));
            var ip = kept ?? $"10.96.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 256)}.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 255)}";
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
        }

        foreach (var port in spec["ports"] as JsonArray ?? [])
        {
            if (port is JsonObject p)
            {
                p["protocol"] ??= "TCP";
                p["targetPort"] ??= p["port"]?.DeepClone();
            }
        }
    }

    private static void Secret(JsonObject secret)
    {
        secret["type"] ??= "Opaque";
        if (secret["stringData"] is JsonObject stringData)
        {
            var data = secret["data"] as JsonObject ?? [];
            secret["data"] = data;
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonNodes.ScalarText(value) ?? ""));
            }

            secret.Remove("stringData");
        }
    }
}

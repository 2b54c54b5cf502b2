using System.Text.Json.Nodes;
using PoolOperator.LocalCluster.Json;

namespace PoolOperator.LocalCluster.Resources;

/// <summary>The built-in resources the local cluster serves, with their kubectl table columns.</summary>
internal static class BuiltInResources
{
    private static readonly ScaleSubresource WorkloadScale = new("spec.replicas", "status.replicas", "spec.selector");

    public static IReadOnlyList<ResourceType> Create() =>
    [
        Core("Namespace", "namespaces", namespaced: false, status: true, shortNames: ["ns"],
            columns: [new("Status", "string", ".status.phase")]),
        Core("Pod", "pods", status: true, shortNames: ["po"], categories: ["all"],
            columns:
            [
                new("Ready", "string", "", Compute: PodReady),
                new("Status", "string", "", Compute: PodStatus),
                new("Restarts", "string", "", Compute: PodRestarts),
                new("Node", "string", ".spec.nodeName", Priority: 1),
            ]),
        Core("Secret", "secrets", columns: [new("Type", "string", ".type"), new("Data", "string", "", Compute: o => CountOf(o["data"]))]),
        Core("ConfigMap", "configmaps", shortNames: ["cm"], columns: [new("Data", "string", "", Compute: o => CountOf(o["data"]))]),
        Core("Event", "events", shortNames: ["ev"],
            columns:
            [
                new("Type", "string", ".type"),
                new("Reason", "string", ".reason"),
                new("Object", "string", "", Compute: o => InvolvedObject(o["involvedObject"])),
                new("Message", "string", ".message"),
            ]),
        Core("Service", "services", status: true, shortNames: ["svc"], categories: ["all"],
            columns: [new("Type", "string", ".spec.type"), new("Cluster-IP", "string", ".spec.clusterIP")]),
        Core("ServiceAccount", "serviceaccounts", shortNames: ["sa"]),
        Apps("Deployment", "deployments", ["deploy"],
            [
                new("Ready", "string", "", Compute: o => Ratio(o, "status.readyReplicas", "spec.replicas")),
                new("Up-to-date", "integer", ".status.updatedReplicas"),
                new("Available", "integer", ".status.availableReplicas"),
            ]),
        Apps("StatefulSet", "statefulsets", ["sts"], [new("Ready", "string", "", Compute: o => Ratio(o, "status.readyReplicas", "spec.replicas"))]),
        Apps("ReplicaSet", "replicasets", ["rs"],
            [
                new("Desired", "integer", ".spec.replicas"),
                new("Current", "integer", ".status.replicas"),
                new("Ready", "integer", ".status.readyReplicas"),
            ]),
        new ResourceType
        {
            Group = "batch", Version = "v1", Kind = "Job", Plural = "jobs", Singular = "job", Namespaced = true, HasStatusSubresource = true,
            Categories = ["all"],
            PrinterColumns =
            [
                new("Status", "string", "", Compute: JobStatus),
                new("Completions", "string", "", Compute: o => $"{JsonNodes.Int64(o.At("status", "succeeded")) ?? 0}/{JsonNodes.Int64(o.At("spec", "completions")) ?? 1}"),
            ],
        },
        new ResourceType
        {
            Group = "batch", Version = "v1", Kind = "CronJob", Plural = "cronjobs", Singular = "cronjob", Namespaced = true, HasStatusSubresource = true,
            ShortNames = ["cj"], Categories = ["all"],
            PrinterColumns = [new("Schedule", "string", ".spec.schedule"), new("Suspend", "boolean", ".spec.suspend")],
        },
        new ResourceType
        {
            Group = "autoscaling", Version = "v2", Kind = "HorizontalPodAutoscaler", Plural = "horizontalpodautoscalers",
            Singular = "horizontalpodautoscaler", Namespaced = true, HasStatusSubresource = true, ShortNames = ["hpa"], Categories = ["all"],
            PrinterColumns =
            [
                new("Reference", "string", "", Compute: o => $"{o.At("spec", "scaleTargetRef", "kind")}/{o.At("spec", "scaleTargetRef", "name")}"),
                new("MinPods", "integer", ".spec.minReplicas"),
                new("MaxPods", "integer", ".spec.maxReplicas"),
                new("Replicas", "integer", ".status.currentReplicas"),
            ],
        },
        new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Singular = "lease", Namespaced = true,
            PrinterColumns = [new("Holder", "string", ".spec.holderIdentity")],
        },
        new ResourceType
        {
            Group = "events.k8s.io", Version = "v1", Kind = "Event", Plural = "events", Singular = "event", Namespaced = true, ShortNames = ["ev"],
            PrinterColumns =
            [
                new("Type", "string", ".type"),
                new("Reason", "string", ".reason"),
                new("Object", "string", "", Compute: o => InvolvedObject(o["regarding"])),
                new("Note", "string", ".note"),
            ],
        },
        new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions",
            Singular = "customresourcedefinition", Namespaced = false, HasStatusSubresource = true, ShortNames = ["crd", "crds"],
            PrinterColumns = [new("Created At", "date", ".metadata.creationTimestamp")],
        },
        new ResourceType
        {
            Group = "policy", Version = "v1", Kind = "PodDisruptionBudget", Plural = "poddisruptionbudgets", Singular = "poddisruptionbudget",
            Namespaced = true, HasStatusSubresource = true, ShortNames = ["pdb"],
            PrinterColumns =
            [
                new("Min Available", "string", ".spec.minAvailable"),
                new("Max Unavailable", "string", ".spec.maxUnavailable"),
                new("Allowed Disruptions", "integer", ".status.disruptionsAllowed"),
            ],
        },
        Rbac("Role", "roles", namespaced: true),
        Rbac("RoleBinding", "rolebindings", namespaced: true),
        Rbac("ClusterRole", "clusterroles", namespaced: false),
        Rbac("ClusterRoleBinding", "clusterrolebindings", namespaced: false),
    ];

    private static ResourceType Core(
        string kind, string plural, bool namespaced = true, bool status = false, IReadOnlyList<string>? shortNames = null,
        IReadOnlyList<string>? categories = null, IReadOnlyList<PrinterColumn>? columns = null) => new()
    {
        Group = "", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = namespaced,
        HasStatusSubresource = status, ShortNames = shortNames ?? [], Categories = categories ?? [], PrinterColumns = columns ?? [],
    };

    private static ResourceType Apps(string kind, string plural, IReadOnlyList<string> shortNames, IReadOnlyList<PrinterColumn> columns) => new()
    {
        Group = "apps", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = true,
        HasStatusSubresource = true, Scale = WorkloadScale, ShortNames = shortNames, Categories = ["all"], PrinterColumns = columns,
    };

    private static ResourceType Rbac(string kind, string plural, bool namespaced) => new()
    {
        Group = "rbac.authorization.k8s.io", Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced,
    };

    private static JsonNode CountOf(JsonNode? node) => node is JsonObject o ? o.Count : 0;

    private static JsonNode Ratio(JsonObject obj, string numerator, string denominator)
    {
        static long Read(JsonObject o, string path) =>
            JsonNodes.Int64(o.At(path.Split('.'))) ?? 0;
        return $"{Read(obj, numerator)}/{Read(obj, denominator)}";
    }

    private static JsonNode? InvolvedObject(JsonNode? reference) =>
        reference is JsonObject r ? $"{r.GetString("kind")?.ToLowerInvariant()}/{r.GetString("name")}" : null;

    private static JsonNode PodReady(JsonObject pod)
    {
        var containers = pod.At("spec", "containers") as JsonArray;
        var statuses = pod.At("status", "containerStatuses") as JsonArray;
        var ready = statuses?.Count(s => JsonNodes.IsTrue(s?["ready"])) ?? 0;
        return $"{ready}/{containers?.Count ?? 0}";
    }

    private static JsonNode JobStatus(JsonObject job)
    {
        foreach (var condition in job.At("status", "conditions") as JsonArray ?? [])
        {
            if (condition is JsonObject c && c.GetString("status") == "True" && c.GetString("type") is "Complete" or "Failed")
            {
                return c.GetString("type")!;
            }
        }

        return "Running";
    }

    private static JsonNode PodStatus(JsonObject pod)
    {
        if (pod.Metadata()["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        return JsonNodes.ScalarText(pod.At("status", "phase")) ?? "Pending";
    }

    private static JsonNode PodRestarts(JsonObject pod)
    {
        var statuses = pod.At("status", "containerStatuses") as JsonArray;
        long restarts = 0;
        foreach (var s in statuses ?? [])
        {
            restarts += JsonNodes.Int64(s?["restartCount"]) ?? 0;
        }

        return restarts;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Controller;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Writes a budget's status through the status subresource with a merge patch, and only when it
/// differs from the stored one: no write, no watch traffic, no conflict when nothing changed.
/// </summary>
public sealed class BudgetStatusWriter
{
    private readonly IKubernetes client;
    private readonly Informer<DatabaseBudget> budgets;

    /// <summary>Creates the writer.</summary>
    public BudgetStatusWriter(IKubernetes client, BudgetInformers informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        budgets = informers.Budgets;
    }

    /// <summary>Status writes so far (for tests and diagnostics).</summary>
    public int Writes { get; private set; }

    /// <summary>Patches the status when it differs; returns whether it wrote.</summary>
    public async Task<bool> WriteIfChangedAsync(DatabaseBudget budget, DatabaseBudgetStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var current = ToNode(budget.Status);
        var desired = ToNode(status);
        if (JsonNode.DeepEquals(current, desired))
        {
            return false;
        }

        // A merge patch leaves absent fields alone, so fields that are gone are sent as null.
        var patchStatus = (JsonObject)desired!.DeepClone();
        if (current is JsonObject old)
        {
            foreach (var (name, _) in old)
            {
                if (!patchStatus.ContainsKey(name))
                {
                    patchStatus[name] = null;
                }
            }
        }

        var patch = new JsonObject { ["status"] = patchStatus };
        try
        {
            var patched = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<DatabaseBudget>(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
                ApiGroup.Group,
                ApiGroup.Version,
                budget.Metadata.NamespaceProperty,
                ApiGroup.BudgetPlural,
                budget.Metadata.Name,
                cancellationToken: cancellationToken);
            budgets.WriteThrough(patched);
            Writes++;
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted meanwhile: its next reconcile cleans up.
            return false;
        }
    }

    private static JsonNode? ToNode(DatabaseBudgetStatus? status) =>
        status is null ? new JsonObject() : JsonNode.Parse(KubernetesJson.Serialize(status));
}

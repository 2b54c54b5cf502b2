using PoolOperator.Api;
using PoolOperator.Operator.Allocation;

namespace PoolOperator.Operator.Budgets;

/// <summary>
/// Checks what the CRD schema cannot (or what an API server without its validation let through);
/// every message names the field, as <c>kubectl explain</c> would.
/// </summary>
public static class BudgetSpecValidator
{
    /// <summary>Lists what is wrong with the budget's spec; empty when it can be acted on.</summary>
    public static IReadOnlyList<string> Validate(DatabaseBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var errors = new List<string>();
        var spec = budget.Spec;
        if (budget.Metadata.Name?.Contains('.', StringComparison.Ordinal) == true)
        {
            errors.Add($"metadata.name '{budget.Metadata.Name}' must not contain '.': grants are named <pod>.<budget>, so the budget's name must be a DNS label.");
        }

        if (spec.MaxConnections is null && spec.ServerRef is null)
        {
            errors.Add("spec.maxConnections or spec.serverRef must be given.");
        }

        if (spec.MaxConnections is < 1)
        {
            errors.Add($"spec.maxConnections must be at least 1 (is {spec.MaxConnections}).");
        }

        if (spec.ReservedConnections < 0)
        {
            errors.Add($"spec.reservedConnections must be at least 0 (is {spec.ReservedConnections}).");
        }
        else if (spec.MaxConnections is { } max && spec.ServerRef is null && spec.ReservedConnections >= max)
        {
            errors.Add($"spec.reservedConnections ({spec.ReservedConnections}) must be smaller than spec.maxConnections ({max}).");
        }

        if (spec.ServerRef is { } serverRef)
        {
            if (string.IsNullOrWhiteSpace(serverRef.SecretName))
            {
                errors.Add("spec.serverRef.secretName must name a Secret.");
            }

            if (string.IsNullOrWhiteSpace(serverRef.Key))
            {
                errors.Add("spec.serverRef.key must name a key of the Secret.");
            }
        }

        if (spec.Workloads is null || spec.Workloads.Count == 0)
        {
            errors.Add("spec.workloads must list at least one workload.");
            return errors;
        }

        for (var i = 0; i < spec.Workloads.Count; i++)
        {
            var kind = spec.Workloads[i].Kind;
            if (kind is not (WorkloadKinds.Deployment or WorkloadKinds.StatefulSet))
            {
                errors.Add($"spec.workloads[{i}].kind must be {WorkloadKinds.Deployment} or {WorkloadKinds.StatefulSet} (is '{kind}').");
            }
        }

        // The allocator checks names, weights, bounds and duplicates; its messages name
        // "workloads[i]...", which is the spec's field under "spec.".
        var demands = spec.Workloads
            .Select(w => new WorkloadDemand(w.Kind, w.Name, w.Weight, w.MinPerReplica, w.MaxPerReplica, 0, null, []))
            .ToList();
        errors.AddRange(ConnectionAllocator.Validate(0, demands).Select(e => "spec." + e));
        return errors;
    }
}

namespace PoolOperator.Operator.Allocation;

/// <summary>Checks an allocation's input and names the offending field in every error.</summary>
internal static class DemandValidator
{
    public static List<string> Validate(int available, IReadOnlyList<WorkloadDemand>? workloads)
    {
        var errors = new List<string>();
        if (available < 0)
        {
            errors.Add($"available must be at least 0 (is {available}).");
        }

        if (workloads is null)
        {
            errors.Add("workloads must not be null.");
            return errors;
        }

        var workloadKeys = new HashSet<(string, string)>();
        var podNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < workloads.Count; i++)
        {
            var w = workloads[i];
            var at = $"workloads[{i}]";
            if (w is null)
            {
                errors.Add($"{at} must not be null.");
                continue;
            }

            at = $"workloads[{i}] ({w.Kind}/{w.Name})";
            if (string.IsNullOrEmpty(w.Name))
            {
                errors.Add($"{at}.name must not be empty.");
            }

            if (w.Kind is null)
            {
                errors.Add($"{at}.kind must not be null.");
            }
            else if (w.Name is not null && !workloadKeys.Add((w.Kind, w.Name)))
            {
                errors.Add($"{at} is listed more than once.");
            }

            if (w.Weight < 1)
            {
                errors.Add($"{at}.weight must be at least 1 (is {w.Weight}).");
            }

            if (w.MinPerReplica < 0)
            {
                errors.Add($"{at}.minPerReplica must be at least 0 (is {w.MinPerReplica}).");
            }

            if (w.MaxPerReplica < w.MinPerReplica)
            {
                errors.Add($"{at}.maxPerReplica ({w.MaxPerReplica}) must be at least minPerReplica ({w.MinPerReplica}).");
            }

            if (w.DesiredReplicas < 0)
            {
                errors.Add($"{at}.desiredReplicas must be at least 0 (is {w.DesiredReplicas}).");
            }

            if (w.HpaMaxReplicas < 0)
            {
                errors.Add($"{at}.hpaMaxReplicas must be at least 0 (is {w.HpaMaxReplicas}).");
            }

            if (w.Pods is null)
            {
                errors.Add($"{at}.pods must not be null.");
                continue;
            }

            foreach (var pod in w.Pods)
            {
                if (pod is null || string.IsNullOrEmpty(pod.Name))
                {
                    errors.Add($"{at}.pods has a pod without a name.");
                }
                else if (!podNames.Add(pod.Name))
                {
                    errors.Add($"{at}.pods: pod '{pod.Name}' appears more than once.");
                }
            }
        }

        return errors;
    }
}

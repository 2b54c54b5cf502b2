using k8s.Models;

namespace PoolOperator.Operator.Budgets;

/// <summary>Evaluates a <see cref="V1LabelSelector"/> against labels, as the API server does.</summary>
public static class LabelSelectors
{
    /// <summary>
    /// True when <paramref name="labels"/> satisfy <paramref name="selector"/>. A null or empty
    /// selector matches nothing here: a workload without a selector owns no pods we could tell apart.
    /// </summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var values = requirement.Values ?? [];
            var ok = requirement.OperatorProperty switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}

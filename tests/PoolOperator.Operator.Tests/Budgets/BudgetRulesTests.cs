using k8s.Models;
using PoolOperator.Api;
using PoolOperator.Operator.Budgets;

namespace PoolOperator.Operator.Tests.Budgets;

public sealed class BudgetRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_condition_keeps_its_transition_time_until_its_status_changes()
    {
        var first = new ConditionSet(null, T0, 1).Set("Ready", false, "Rebalancing", "1 of 3").ToList();
        var same = new ConditionSet(first, T0.AddMinutes(1), 1).Set("Ready", false, "Rebalancing", "2 of 3").ToList();
        var flipped = new ConditionSet(same, T0.AddMinutes(2).AddMilliseconds(700), 2).Set("Ready", true, "Settled", "all").ToList();

        Assert.Equal(T0.UtcDateTime, same.Single().LastTransitionTime);
        Assert.Equal("2 of 3", same.Single().Message);
        Assert.Equal(T0.AddMinutes(2).UtcDateTime, flipped.Single().LastTransitionTime);
        Assert.Equal(2, flipped.Single().ObservedGeneration);
    }

    [Fact]
    public void Keep_carries_a_previous_condition_over_unchanged()
    {
        var previous = new ConditionSet(null, T0, 1).Set("Overcommitted", true, "MinimumsExceedAvailable", "x").ToList();
        var next = new ConditionSet(previous, T0.AddHours(1), 2).Set("InvalidSpec", true, "SpecInvalid", "y").Keep("Overcommitted").Keep("Absent").ToList();

        Assert.Equal(["InvalidSpec", "Overcommitted"], next.Select(c => c.Type));
        Assert.Same(previous.Single(), next[1]);
    }

    [Fact]
    public void Spec_errors_name_the_field()
    {
        var budget = TestCluster.Budget("a.b", maxConnections: 10, reserved: 10, TestCluster.Workload("api", weight: 0), TestCluster.Workload("api"), TestCluster.Workload("w", min: 5, max: 2));
        budget.Spec.Workloads.Add(new BudgetWorkload { Kind = "DaemonSet", Name = "d" });

        var errors = BudgetSpecValidator.Validate(budget);

        Assert.Contains(errors, e => e.StartsWith("metadata.name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.reservedConnections (10) must be smaller than spec.maxConnections (10)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.workloads[3].kind", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.workloads[0]", StringComparison.Ordinal) && e.Contains(".weight", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.workloads[1]", StringComparison.Ordinal) && e.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.workloads[2]", StringComparison.Ordinal) && e.Contains(".maxPerReplica", StringComparison.Ordinal));
    }

    [Fact]
    public void A_valid_spec_has_no_errors()
    {
        Assert.Empty(BudgetSpecValidator.Validate(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 10, TestCluster.Workload("api"))));
        Assert.Contains(BudgetSpecValidator.Validate(TestCluster.Budget("orders-db", maxConnections: null, reserved: 0, TestCluster.Workload("api"))), e => e.Contains("spec.serverRef", StringComparison.Ordinal));
        Assert.Contains(BudgetSpecValidator.Validate(TestCluster.Budget("orders-db", maxConnections: 100, reserved: 0)), e => e.StartsWith("spec.workloads", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("In", new[] { "web", "api" }, true)]
    [InlineData("In", new[] { "web" }, false)]
    [InlineData("NotIn", new[] { "web" }, true)]
    [InlineData("NotIn", new[] { "api" }, false)]
    [InlineData("Exists", new string[0], true)]
    [InlineData("DoesNotExist", new string[0], false)]
    public void Label_selectors_follow_the_api_servers_rules(string op, string[] values, bool matches)
    {
        var selector = new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["team"] = "orders" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = op, Values = values }],
        };

        Assert.Equal(matches, LabelSelectors.Matches(selector, new Dictionary<string, string> { ["team"] = "orders", ["app"] = "api" }));
        Assert.False(LabelSelectors.Matches(selector, new Dictionary<string, string> { ["app"] = "api" }));
    }

    [Fact]
    public void An_empty_selector_matches_no_pod()
    {
        Assert.False(LabelSelectors.Matches(new V1LabelSelector(), new Dictionary<string, string> { ["app"] = "api" }));
        Assert.False(LabelSelectors.Matches(null, new Dictionary<string, string> { ["app"] = "api" }));
    }

    [Fact]
    public void Pods_are_terminating_when_deleted_and_finished_pods_hold_nothing()
    {
        Assert.Equal(Operator.Allocation.LivePodPhase.Terminating, BudgetResources.Phase(new V1Pod { Metadata = new V1ObjectMeta { DeletionTimestamp = DateTime.UtcNow }, Status = new V1PodStatus { Phase = "Running" } }));
        Assert.Equal(Operator.Allocation.LivePodPhase.Pending, BudgetResources.Phase(new V1Pod { Metadata = new V1ObjectMeta(), Status = null }));
        Assert.Equal(Operator.Allocation.LivePodPhase.Running, BudgetResources.Phase(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Running" } }));
        Assert.False(BudgetResources.MayHoldConnections(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Succeeded" } }));
        Assert.False(BudgetResources.MayHoldConnections(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Failed" } }));
        Assert.True(BudgetResources.MayHoldConnections(new V1Pod { Metadata = new V1ObjectMeta(), Status = new V1PodStatus { Phase = "Pending" } }));
    }
}

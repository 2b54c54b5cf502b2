using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PoolOperator.Operator.Allocation;

namespace PoolOperator.Operator.Tests.Allocation;

/// <summary>Fairness of the division itself, checked on the internal water-filling over slot groups.</summary>
public sealed class WaterFillingProperties
{
    [Property(MaxTest = 2000, Arbitrary = [typeof(Arbitraries)])]
    public bool No_slot_could_give_a_connection_to_a_slot_with_a_lower_next_price(FillCase c)
    {
        var shares = WaterFilling.Divide(c.Groups, c.Available, out var overcommitted);
        if (overcommitted)
        {
            return true;
        }

        // Weighted max-min fairness: a slot above its minimum holds no connection dearer than
        // the next connection of any slot below its cap (price = connection number / weight).
        for (var i = 0; i < c.Groups.Count; i++)
        {
            for (var j = 0; j < c.Groups.Count; j++)
            {
                var (gi, gj) = (c.Groups[i], c.Groups[j]);
                if (gi.Slots == 0 || gj.Slots == 0)
                {
                    continue;
                }

                var highest = shares[i].Base + (shares[i].Extra > 0 ? 1 : 0);
                var lowest = shares[j].Base;
                if (highest > gi.Min && lowest < Cap(gj, c.Available) && highest * gj.Weight > (lowest + 1) * gi.Weight)
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 2000, Arbitrary = [typeof(Arbitraries)])]
    public bool Capacity_is_left_over_only_when_every_slot_is_at_its_cap(FillCase c)
    {
        var shares = WaterFilling.Divide(c.Groups, c.Available, out var overcommitted);
        var total = c.Groups.Select((g, i) => shares[i].Total(g.Slots)).Sum();

        return total <= c.Available
            && (overcommitted || total == c.Available || c.Groups.Select((g, i) => (g, i)).All(x =>
                x.g.Slots == 0 || (shares[x.i].Base == Cap(x.g, c.Available) && shares[x.i].Extra == 0)))
            && c.Groups.Select((g, i) => (g, i)).All(x => shares[x.i].Extra < Math.Max(1, x.g.Slots));
    }

    private static long Cap(SlotGroup g, long available) => Math.Min(g.Max, available);

    /// <summary>Slot groups as (slots, weight, min, max); public for the test methods, converted inside.</summary>
    public sealed record FillCase(long Available, IReadOnlyList<(long Slots, long Weight, long Min, long Max)> Spec)
    {
        internal IReadOnlyList<SlotGroup> Groups { get; } = [.. Spec.Select(g => new SlotGroup(g.Slots, g.Weight, g.Min, g.Max))];

        public override string ToString() => $"available={Available}; {string.Join("; ", Spec)}";
    }

    public static class Arbitraries
    {
        public static Arbitrary<FillCase> Cases() => Arb.From(
            from available in Gen.Choose(0, 1000)
            from count in Gen.Choose(0, 6)
            from groups in Gen.CollectToList(Enumerable.Range(0, count), _ =>
                from slots in Gen.Choose(0, 20)
                from weight in Gen.Choose(1, 7)
                from min in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(0, 30)))
                from max in Gen.Frequency((1, Gen.Constant(long.MaxValue)), (1, Gen.Choose(0, 60).Select(x => (long)min + x)))
                select ((long)slots, (long)weight, (long)min, max))
            select new FillCase(available, groups));
    }
}

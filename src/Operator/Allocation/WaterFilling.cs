namespace PoolOperator.Operator.Allocation;

/// <summary>
/// Weighted max-min fair division of an integer capacity over groups of slots, with each
/// slot's share clamped to its group's [min, max]. Pure; 128-bit arithmetic where products
/// of counts and limits could overflow.
/// </summary>
/// <remarks>
/// Think of the capacity as single connections handed out one at a time: the k-th
/// connection of a slot of weight w costs the "price" k / w, the first <c>min</c> are free
/// and nothing beyond <c>max</c> is for sale. Handing out the cheapest connections first is
/// weighted max-min fairness (water-filling). Instead of single steps the level is found by
/// bisection (every slot gets <c>clamp(floor(level * w), min, max)</c>), then the rest, which
/// is less than a few steps of the level, is handed out group by group in exact price order;
/// equal prices go to the group listed first. Overcommit (the minimums alone exceed the
/// capacity) is handled by <see cref="ScaleDownMinimums"/>.
/// </remarks>
internal static class WaterFilling
{
    private const int BisectionSteps = 200;

    /// <summary>Divides <paramref name="available"/> over the groups; the order of the groups breaks ties.</summary>
    /// <param name="groups">The groups, in tie-breaking order.</param>
    /// <param name="available">Capacity, at least 0.</param>
    /// <param name="overcommitted">True when the minimums did not fit and were scaled down.</param>
    /// <returns>One share per group; the sum of all slot shares never exceeds <paramref name="available"/>.</returns>
    public static GroupShare[] Divide(IReadOnlyList<SlotGroup> groups, long available, out bool overcommitted)
    {
        Int128 minimums = 0;
        foreach (var g in groups)
        {
            minimums += (Int128)g.Slots * g.Min;
        }

        overcommitted = minimums > available;
        if (overcommitted)
        {
            return ScaleDownMinimums(groups, available, minimums);
        }

        // No slot can use more than the whole capacity, so an unset max is capped there;
        // this also keeps every share within int range for the callers.
        var caps = new long[groups.Count];
        for (var i = 0; i < groups.Count; i++)
        {
            caps[i] = Math.Min(groups[i].Max, available);
        }

        var atCaps = ShareSum(groups, caps, double.PositiveInfinity);
        if (atCaps <= available)
        {
            // Everybody is capped: the rest of the capacity stays unallocated.
            return [.. groups.Select((g, i) => new GroupShare(g.Slots == 0 ? 0 : Math.Max(caps[i], g.Min), 0))];
        }

        var level = FindLevel(groups, caps, available);
        var shares = new GroupShare[groups.Count];
        Int128 used = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            shares[i] = new GroupShare(SlotShare(groups[i], caps[i], level), 0);
            used += (Int128)groups[i].Slots * shares[i].Base;
        }

        HandOutRest(groups, caps, shares, (long)(available - used));
        return shares;
    }

    /// <summary>
    /// Overcommit rule: each group's total becomes <c>slots * min * available / sumOfMinimums</c>,
    /// rounded down; the few connections rounding leaves over go one each to the groups with the
    /// largest remainders (ties: the group listed first). The whole capacity is handed out and no
    /// slot gets more than its minimum.
    /// </summary>
    private static GroupShare[] ScaleDownMinimums(IReadOnlyList<SlotGroup> groups, long available, Int128 minimums)
    {
        var totals = new long[groups.Count];
        var remainders = new Int128[groups.Count];
        long handedOut = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            var exact = (Int128)groups[i].Slots * groups[i].Min * available;
            totals[i] = (long)(exact / minimums);
            remainders[i] = exact % minimums;
            handedOut += totals[i];
        }

        var leftover = available - handedOut;
        var byRemainder = Enumerable.Range(0, groups.Count)
            .Where(i => remainders[i] > 0)
            .OrderByDescending(i => remainders[i])
            .ThenBy(i => i);
        foreach (var i in byRemainder)
        {
            if (leftover == 0)
            {
                break;
            }

            totals[i]++;
            leftover--;
        }

        return [.. groups.Select((g, i) => g.Slots == 0
            ? new GroupShare(0, 0)
            : new GroupShare(totals[i] / g.Slots, totals[i] % g.Slots))];
    }

    /// <summary>The highest level (found by bisection) at which the clamped shares still fit.</summary>
    private static double FindLevel(IReadOnlyList<SlotGroup> groups, long[] caps, long available)
    {
        // At level 0 every slot sits at its minimum, which fits; at available + 1 every slot of
        // weight >= 1 is at its cap, which does not fit (checked by the caller).
        double fits = 0;
        double tooMuch = available + 1.0;
        for (var step = 0; step < BisectionSteps; step++)
        {
            var mid = fits + ((tooMuch - fits) / 2);
            if (mid <= fits || mid >= tooMuch)
            {
                break;
            }

            if (ShareSum(groups, caps, mid) <= available)
            {
                fits = mid;
            }
            else
            {
                tooMuch = mid;
            }
        }

        return fits;
    }

    private static Int128 ShareSum(IReadOnlyList<SlotGroup> groups, long[] caps, double level)
    {
        Int128 sum = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            sum += (Int128)groups[i].Slots * SlotShare(groups[i], caps[i], level);
        }

        return sum;
    }

    private static long SlotShare(SlotGroup group, long cap, double level)
    {
        var raw = Math.Floor(level * group.Weight);
        var upper = Math.Max(cap, group.Min);
        if (raw >= upper)
        {
            return upper;
        }

        return raw <= group.Min ? group.Min : (long)raw;
    }

    /// <summary>
    /// Hands out what the level left over, cheapest next connection first: a group whose slots are
    /// at share s has its next connection at price (s + 1) / weight. A group takes one connection
    /// per slot while the rest lasts; when the rest is smaller than its slot count, its first slots
    /// take one each (recorded as <see cref="GroupShare.Extra"/>) and the division is done.
    /// </summary>
    private static void HandOutRest(IReadOnlyList<SlotGroup> groups, long[] caps, GroupShare[] shares, long rest)
    {
        var queue = new PriorityQueue<int, NextPrice>(CheapestFirst.Instance);
        for (var i = 0; i < groups.Count; i++)
        {
            if (groups[i].Slots > 0 && shares[i].Base < caps[i])
            {
                queue.Enqueue(i, new NextPrice(shares[i].Base + 1, groups[i].Weight, i));
            }
        }

        while (rest > 0 && queue.TryDequeue(out var i, out _))
        {
            var slots = groups[i].Slots;
            if (rest < slots)
            {
                shares[i] = shares[i] with { Extra = rest };
                return;
            }

            rest -= slots;
            var raised = shares[i].Base + 1;
            shares[i] = new GroupShare(raised, 0);
            if (raised < caps[i])
            {
                queue.Enqueue(i, new NextPrice(raised + 1, groups[i].Weight, i));
            }
        }
    }

    /// <summary>The price <c>Connection / Weight</c> of a group's next connection.</summary>
    private readonly record struct NextPrice(long Connection, long Weight, int Group);

    /// <summary>Orders by exact price; equal prices order by group.</summary>
    private sealed class CheapestFirst : IComparer<NextPrice>
    {
        public static readonly CheapestFirst Instance = new();

        public int Compare(NextPrice x, NextPrice y)
        {
            // Both factors are below 2^32, so the cross products fit a 128-bit integer with room to spare.
            var byPrice = ((Int128)x.Connection * y.Weight).CompareTo((Int128)y.Connection * x.Weight);
            return byPrice != 0 ? byPrice : x.Group.CompareTo(y.Group);
        }
    }
}

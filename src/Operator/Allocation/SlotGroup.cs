namespace PoolOperator.Operator.Allocation;

/// <summary>
/// The slots of one workload as the water-filling sees them: all slots of a group are
/// alike, so the division works per group and never walks single slots.
/// </summary>
/// <param name="Slots">Number of slots (at least 0).</param>
/// <param name="Weight">Weight per slot (at least 1).</param>
/// <param name="Min">Least share per slot (at least 0).</param>
/// <param name="Max">Most share per slot (at least <paramref name="Min"/>); <see cref="long.MaxValue"/> for no cap.</param>
internal readonly record struct SlotGroup(long Slots, long Weight, long Min, long Max);

/// <summary>
/// A group's division: every slot gets <paramref name="Base"/>, and <paramref name="Extra"/>
/// of them (fewer than the slots) get one more.
/// </summary>
internal readonly record struct GroupShare(long Base, long Extra)
{
    /// <summary>The sum over the group's slots.</summary>
    public long Total(long slots) => (Base * slots) + Extra;
}

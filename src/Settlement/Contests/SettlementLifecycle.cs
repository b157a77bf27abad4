using ContestPipeline.Plumbing;

namespace ContestPipeline.Settlement.Contests;

/// <summary>Settlement's transition table: OPEN → COMPLETE → SETTLED → PAID, and OPEN → CANCELLED.</summary>
public static class SettlementLifecycle
{
    public static TransitionTable<SettlementState> Table { get; } = new("settlement",
        new Dictionary<SettlementState, SettlementState[]>
    {
        [SettlementState.Open] = [SettlementState.Complete, SettlementState.Cancelled],
        [SettlementState.Complete] = [SettlementState.Settled],
        [SettlementState.Settled] = [SettlementState.Paid],
        [SettlementState.Paid] = [],
        [SettlementState.Cancelled] = [],
    }, s => s.ToString().ToUpperInvariant());

    public static bool CanTransition(SettlementState from, SettlementState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string contestId, SettlementState from, SettlementState to) =>
        Table.AssertTransition("contest " + contestId, from, to);

    /// <summary>Upper-case name as stored: OPEN, COMPLETE ...</summary>
    public static string Name(SettlementState state) => Table.Name(state);

    public static SettlementState Parse(string contestId, string? name) => Table.Parse("contest " + contestId, name);
}

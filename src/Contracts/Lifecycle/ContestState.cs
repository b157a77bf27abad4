namespace ContestPipeline.Contracts.Lifecycle;

/// <summary>
/// The contest lifecycle, never skipped and never reversed:
/// SCHEDULED → LOCKED → LIVE → COMPLETE → SETTLED → PAID, and (SCHEDULED, LOCKED or LIVE) → CANCELLED.
/// </summary>
public enum ContestState
{
    Scheduled,
    Locked,
    Live,
    Complete,
    Settled,
    Paid,
    Cancelled,
}

/// <summary>The one transition table, and the one place that says whether a transition is legal.</summary>
public static class ContestLifecycle
{
    private static readonly IReadOnlyDictionary<ContestState, ContestState[]> Next =
        new Dictionary<ContestState, ContestState[]>
    {
        [ContestState.Scheduled] = [ContestState.Locked, ContestState.Cancelled],
        [ContestState.Locked] = [ContestState.Live, ContestState.Cancelled],
        // A live contest is cancelled by an operator, or when its games' rule says so (a covered game cancelled under
        // cancel_and_refund).
        [ContestState.Live] = [ContestState.Complete, ContestState.Cancelled],
        [ContestState.Complete] = [ContestState.Settled],
        [ContestState.Settled] = [ContestState.Paid],
        [ContestState.Paid] = [],
        [ContestState.Cancelled] = [],
    };

    public static bool CanTransition(ContestState from, ContestState to) => Next[from].Contains(to);

    /// <summary>Upper-case wire name: SCHEDULED, LOCKED ...</summary>
    public static string Name(ContestState state) => state.ToString().ToUpperInvariant();

    public static bool TryParse(string? name, out ContestState state)
    {
        foreach (var candidate in Enum.GetValues<ContestState>())
        {
            if (Name(candidate) != name) continue;
            state = candidate;
            return true;
        }
        state = default;
        return false;
    }
}

using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// The freeze lifecycle: open → won or lost, and a closed freeze stays as it closed. A dispute Stripe shows closed
/// the first time it is seen is recorded closed at once, so won and lost are also where a freeze can start.
/// <see cref="FreezeStore"/> keeps it: its update applies only to an open freeze.
/// </summary>
public static class FreezeLifecycle
{
    public static TransitionTable<FreezeState> Table { get; } = new("freeze", new Dictionary<FreezeState, FreezeState[]>
    {
        [FreezeState.Open] = [FreezeState.Won, FreezeState.Lost],
        [FreezeState.Won] = [],
        [FreezeState.Lost] = [],
    }, s => s.ToString().ToLowerInvariant());

    /// <summary>A dispute's freeze as Stripe closed it: won lifts it, anything else keeps it in force.</summary>
    public static FreezeState Closed(bool won) => won ? FreezeState.Won : FreezeState.Lost;

    public static bool CanTransition(FreezeState from, FreezeState to) => Table.CanTransition(from, to);

    /// <summary>The name as stored: open, won, lost.</summary>
    public static string Name(FreezeState state) => Table.Name(state);
}

using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Clawbacks;

/// <summary>
/// The clawback lifecycle: pending → pending (a retry) · recovered · short. Recovered and short are final for the
/// pipeline: a receivable is an operator's to recover (docs/operations.md).
/// </summary>
public static class ClawbackLifecycle
{
    public static TransitionTable<ClawbackState> Table { get; } = new("clawback",
        new Dictionary<ClawbackState, ClawbackState[]>
        {
            [ClawbackState.Pending] = [ClawbackState.Pending, ClawbackState.Recovered, ClawbackState.Short],
            [ClawbackState.Recovered] = [],
            [ClawbackState.Short] = [],
        }, s => s.ToString().ToLowerInvariant());

    public static string Name(ClawbackState state) => Table.Name(state);
}

using ContestPipeline.Plumbing;

namespace ContestPipeline.Payout.Refunds;

/// <summary>
/// The refund lifecycle: waiting → submitting → refunded or failed; a submitting refund is sent again until resolved;
/// a waiting one whose payment is not proven its contest's entry fee fails unsent.
/// </summary>
public static class RefundLifecycle
{
    public static TransitionTable<RefundState> Table { get; } = new("refund", new Dictionary<RefundState, RefundState[]>
    {
        [RefundState.Waiting] = [RefundState.Submitting, RefundState.Failed],
        [RefundState.Submitting] = [RefundState.Submitting, RefundState.Refunded, RefundState.Failed],
        [RefundState.Refunded] = [],
        [RefundState.Failed] = [],
    }, s => s.ToString().ToLowerInvariant());

    /// <summary>States the refund job picks up when due.</summary>
    public static IReadOnlyList<RefundState> Dispatched { get; } = [RefundState.Waiting, RefundState.Submitting];

    public static bool CanTransition(RefundState from, RefundState to) => Table.CanTransition(from, to);

    public static void AssertTransition(string refundId, RefundState from, RefundState to) =>
        Table.AssertTransition("refund " + refundId, from, to);

    /// <summary>The name as stored: waiting, submitting, refunded, failed.</summary>
    public static string Name(RefundState state) => Table.Name(state);
}

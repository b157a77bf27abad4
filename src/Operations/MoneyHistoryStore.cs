using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations;

/// <summary>
/// The append-only history of every payout and refund (<c>operations.money_history</c>), one row per step, keyed by
/// the message that brought it: the payouts, refunds and make-goods slices all write it, and the audit export reads
/// it back in order.
/// </summary>
public static class MoneyHistoryStore
{
    /// <summary>One step of a payout's or refund's history; a step seen again is one row.</summary>
    public static Task HistoryAsync(HandlerContext context, string subjectId, string contestId, string @event,
        string reason,
        string? state = null, string? holdKind = null, string? @operator = null, long? amountMinor = null,
        string? currency = null) =>
        ExecuteAsync(context, """
            INSERT INTO operations.money_history (message_id, subject_id, contest_id, at, event, state, hold_kind,
                operator, reason, amount_minor,
                currency)
            VALUES (@id, @subjectId, @contestId, @at, @event, @state, @holdKind, @operator, @reason, @amountMinor,
                @currency) ON CONFLICT DO NOTHING
            """,
            new { id = MessageId(context), subjectId, contestId, at = At(context), @event, state, holdKind, @operator,
                reason, amountMinor, currency });
}

using ContestPipeline.Plumbing.Messaging;

namespace ContestPipeline.Payout.Refunds;

/// <summary>A refund order as the refund job sends it.</summary>
public sealed record RefundRow(string RefundId, string ContestId, string PlayerId,
    string PaymentIntentId, long AmountMinor, string Currency, string Reason, int Rounds, string? OrderedBy,
    DateTime OrderedAtUtc)
{
    /// <summary>When Payout recorded the order (a refund ordered before a restore's copy is looked up first).</summary>
    public DateTimeOffset OrderedAt => new(DateTime.SpecifyKind(OrderedAtUtc, DateTimeKind.Utc));

    public Cause Cause => Cause.Recorded(ContestId, OrderedBy ?? RefundId);
}

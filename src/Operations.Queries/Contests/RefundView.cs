namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>An entry-fee refund and where it stands.</summary>
public sealed record RefundView(string RefundId, string ContestId, string PlayerId, string PaymentIntentId,
    long AmountMinor, string Currency, string Reason,
    string State, DateTimeOffset OrderedAt, DateTimeOffset? ResolvedAt);

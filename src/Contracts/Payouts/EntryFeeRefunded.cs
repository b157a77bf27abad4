namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// An entry fee went back to the player (<see cref="StripeRefundId"/>; null when Stripe says
/// the charge was already refunded outside the pipeline). Ledger: the fee leaves the contest,
/// or, for a payment that never became an entry, passes through unapplied payments.
/// </summary>
public sealed record EntryFeeRefunded(
    string RefundId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    string? StripeRefundId,
    string Reason,
    DateTimeOffset RefundedAt) : IMessage
{
    public const string MessageType = "EntryFeeRefunded";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string refundId) => $"refund:{refundId}:refunded";
}

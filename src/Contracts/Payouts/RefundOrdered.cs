namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// An order to refund an entry fee (topic <c>payouts.due</c>, key: contest id), carried out
/// by Payout exactly once: <see cref="RefundId"/> is deterministic (one per PaymentIntent)
/// and is Stripe's Idempotency-Key.
/// </summary>
public sealed record RefundOrdered(
    string RefundId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    string Reason) : IMessage
{
    public const string MessageType = "RefundOrdered";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;

    /// <summary>A PaymentIntent is refunded at most once, whatever the reason.</summary>
    public static string RefundIdFor(string paymentIntentId) => "refund_" + paymentIntentId;

    /// <summary>
    /// The message id of Settlement's order for a cancelled contest's entry: not the refund id Ingestion's orders
    /// carry, so an order of Ingestion's that was refused under that id (a dead letter is never applied again) cannot
    /// shadow the cancellation's. Payout still makes the refund once: the refund id is one per PaymentIntent.
    /// </summary>
    public static string CancellationMessageIdFor(string refundId) => "cancelled:" + refundId;
}

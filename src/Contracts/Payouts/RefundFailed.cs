namespace ContestPipeline.Contracts.Payouts;

/// <summary>Stripe refused a refund for good; an alert goes with it. No money moved.</summary>
public sealed record RefundFailed(
    string RefundId,
    string ContestId,
    string PlayerId,
    string PaymentIntentId,
    long AmountMinor,
    string Currency,
    string Reason,
    DateTimeOffset At) : IMessage
{
    public const string MessageType = "RefundFailed";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
    public static string MessageIdFor(string refundId) => $"refund:{refundId}:failed";
}

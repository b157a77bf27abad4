namespace ContestPipeline.Payout.Restores;

/// <summary>A refund as Stripe has it, naming one of this pipeline's refund orders in its metadata.</summary>
public sealed record RefundSeen
{
    public required string StripeRefundId { get; init; }
    public required string RefundId { get; init; }
    public string? PaymentIntentId { get; init; }
    public required long AmountMinor { get; init; }
    public required string Currency { get; init; }
    public string? Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

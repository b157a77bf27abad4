namespace ContestPipeline.Payout.Disputes;

/// <summary>
/// A dispute, or a refund made outside the pipeline, on one of a player's entry fees: its freeze id (the dispute's
/// id, or <c>refunded:&lt;total&gt;</c>), its cause and when it happened as Stripe dates it.
/// </summary>
public sealed record Chargeback(string PaymentIntentId, string Id, FreezeCause Cause, DateTimeOffset OccurredAt);

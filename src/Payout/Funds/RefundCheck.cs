namespace ContestPipeline.Payout.Funds;

/// <summary>
/// A refund order not yet proven, beside what Stripe answered Payout about its payment (<see cref="Found"/>, its
/// status, contest, amount received, currency and what is refunded of it).
/// </summary>
public sealed record RefundCheck(string RefundId, string ContestId, string PlayerId, string PaymentIntentId,
    long AmountMinor, string Currency, string? OrderedBy, bool Found, string? Status, string? PaidContestId,
    long PaidMinor, string? PaidCurrency, long RefundedMinor, bool SeenOnStripe)
{
    /// <summary>
    /// Why the refund may not be sent, or null when its payment is proven that contest's entry fee. A refund a
    /// restore's reconciliation found Stripe has made under this refund's id is this pipeline's own (what Stripe shows
    /// refunded is then that refund): it is proven, and the refund job adopts it rather than sending it.
    /// </summary>
    public string? Refusal() =>
        SeenOnStripe ? null
        : !Found ? $"Stripe has no PaymentIntent {PaymentIntentId}"
        : Status != ContestPipeline.Stripe.StripeStatuses.Succeeded
            ? $"PaymentIntent {PaymentIntentId} is {Status ?? "of no status"} on Stripe, not succeeded"
        : PaidContestId != ContestId
            ? $"PaymentIntent {PaymentIntentId} paid for contest {PaidContestId ?? "(none)"}, not {ContestId}"
        : !string.Equals(PaidCurrency, Currency, StringComparison.OrdinalIgnoreCase)
            ? $"PaymentIntent {PaymentIntentId} was paid in {PaidCurrency}, the refund is in {Currency}"
        : AmountMinor > PaidMinor - RefundedMinor
            ? $"{AmountMinor} {Currency} is more than the {PaidMinor - RefundedMinor} left of PaymentIntent " +
              $"{PaymentIntentId} ({PaidMinor} paid, {RefundedMinor} refunded on Stripe)"
        : null;
}

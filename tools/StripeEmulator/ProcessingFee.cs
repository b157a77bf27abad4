namespace ContestPipeline.StripeEmulation;

/// <summary>
/// What Stripe takes of each card payment: <see cref="RateBps"/> of the amount (basis points, rounded half up to a
/// minor unit) plus <see cref="FixedMinor"/>, never more than the payment. The rest reaches the balance; the charge's
/// balance transaction shows amount, fee and net. A refund does not give the fee back.
/// </summary>
public sealed record ProcessingFee(int RateBps, long FixedMinor)
{
    /// <summary>Stripe's standard card pricing in the US: 2.9 % + 0.30.</summary>
    public static ProcessingFee StripeStandard { get; } = new(290, 30);

    public long Of(long amount) => Math.Min(amount, checked((amount * RateBps + 5_000) / 10_000 + FixedMinor));
}

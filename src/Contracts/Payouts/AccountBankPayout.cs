namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// One payout from a winner's connected account to their bank, as Stripe lists it: its id, amount (integer minor
/// units) and currency (upper case), Stripe's status (<c>pending</c>, <c>in_transit</c>, <c>paid</c>, <c>failed</c>,
/// <c>canceled</c>), when it arrives (or arrived) at the bank, Stripe's failure code when it failed, and when it was
/// made.
/// </summary>
public sealed record AccountBankPayout(
    string StripePayoutId,
    long AmountMinor,
    string Currency,
    string Status,
    DateTimeOffset ArrivalDate,
    string? FailureCode,
    DateTimeOffset CreatedAt);

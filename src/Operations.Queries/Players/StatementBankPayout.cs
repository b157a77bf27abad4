namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// One payout from the winner's account to their bank: Stripe's status (<c>pending</c>, <c>in_transit</c>,
/// <c>paid</c>, <c>failed</c>, <c>canceled</c>), when it arrives or arrived, and Stripe's failure code when it failed.
/// </summary>
public sealed record StatementBankPayout(string BankPayoutId, long AmountMinor, string Currency, string Status,
    DateTimeOffset ArrivalDate, string? FailureCode, DateTimeOffset CreatedAt);

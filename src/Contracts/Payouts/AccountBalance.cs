namespace ContestPipeline.Contracts.Payouts;

/// <summary>
/// What a winner's connected account holds in one currency (ISO 4217, upper case), in integer minor units: available
/// to pay out to their bank, and pending (not yet settled by Stripe).
/// </summary>
public sealed record AccountBalance(string Currency, long AvailableMinor, long PendingMinor);

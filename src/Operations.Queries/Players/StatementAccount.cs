namespace ContestPipeline.Operations.Queries.Players;

/// <summary>
/// The winner's Stripe account beside their prizes: what it held per currency and its bank payouts (the latest
/// <see cref="PlayerReadStore.BankPayoutsShownMax"/>, newest first), as Payout last read them from Stripe
/// (<see cref="AsOf"/>). Stripe's own dashboard (a login link) shows it live.
/// </summary>
public sealed record StatementAccount(string AccountId, DateTimeOffset AsOf, IReadOnlyList<StatementBalance> Balances,
    IReadOnlyList<StatementBankPayout> BankPayouts);

namespace ContestPipeline.StripeEmulation;

public sealed record BalanceAmounts(long Available, long Pending);

namespace ContestPipeline.Operations.Queries.Revenue;

/// <summary>One stream account's sum in one group (a day, a month, a contest) and currency: debits positive.</summary>
public sealed record RevenuePosting(string GroupKey, string Account, string Currency, long AmountMinor);

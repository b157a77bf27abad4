namespace ContestPipeline.Operations.Balance;

/// <summary>One snapshot's figures, in minor units: the balance, what is owed, the level and the trend.</summary>
public sealed record BalanceSnapshot(long Available, long Pending, long Obligations, long Reserve, string Status,
    long? ChangePerDay, int? DaysToEmpty);

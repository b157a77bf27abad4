namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>A balance reading: when, and how much was available.</summary>
public readonly record struct BalanceReading(DateTimeOffset At, long AvailableMinor);

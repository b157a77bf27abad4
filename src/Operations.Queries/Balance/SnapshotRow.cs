namespace ContestPipeline.Operations.Queries.Balance;

/// <summary>One snapshot of the platform's balance against what it owes, with its level and trend.</summary>
public sealed record SnapshotRow(DateTimeOffset TakenAt, string Currency, long AvailableMinor, long PendingMinor,
    long ObligationsMinor, long ReserveMinor,
    string Status, long? ChangePerDayMinor, int? DaysToEmpty);

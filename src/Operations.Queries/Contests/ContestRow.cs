namespace ContestPipeline.Operations.Queries.Contests;

/// <summary>
/// A contest as the read model shows it: its definition's headline, where it stands, and its hashes and records.
/// </summary>
public sealed record ContestRow
{
    public string ContestId { get; init; } = "";
    public string? Title { get; init; }
    public string? Kind { get; init; }
    public string? Currency { get; init; }
    public long? EntryFeeMinor { get; init; }
    public DateTimeOffset? LockAt { get; init; }
    public string State { get; init; } = "";
    public string? StateReason { get; init; }
    public DateTimeOffset? StateAt { get; init; }
    public int EntryCount { get; init; }
    public string? StandingsHash { get; init; }
    public string? InputsHash { get; init; }
    public string? EntriesHash { get; init; }
    public string? Settled { get; init; }
    public string? Paid { get; init; }
    public string? Definition { get; init; }
}

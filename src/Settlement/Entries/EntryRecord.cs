using ContestPipeline.Settlement.Contests;

namespace ContestPipeline.Settlement.Entries;

/// <summary>An entry with its contest's state, as a refund of its fee needs it.</summary>
public sealed record EntryRecord(string EntryId, string ContestId, string PlayerId, long AmountMinor, string Currency,
    SettlementState ContestState);

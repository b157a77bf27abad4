namespace ContestPipeline.Operations.Queries.Players;

/// <summary>One entry of a player, as the platform's app shows it.</summary>
public sealed record StatementEntry(string EntryId, string ContestId, string? ContestTitle, string ContestState,
    long FeeMinor, string Currency,
    DateTimeOffset AcceptedAt);

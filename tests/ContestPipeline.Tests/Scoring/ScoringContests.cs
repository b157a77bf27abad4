using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Tests.Scoring;

/// <summary>Contest definitions for scoring tests: only the fields scoring reads vary.</summary>
internal static class ScoringContests
{
    public static ContestDefined Fantasy(IReadOnlyList<string> games, params ScoringRule[] rules) =>
        Define("contest-1", ContestKinds.Fantasy, games, rules);

    public static ContestDefined Fitness(IReadOnlyList<string> games, params ScoringRule[] rules) =>
        Define("contest-1", ContestKinds.Fitness, games, rules);

    public static ContestDefined Define(string contestId, string kind, IReadOnlyList<string> games,
        IReadOnlyList<ScoringRule> rules) => new(
        ContestId: contestId,
        Title: "Scoring test",
        Kind: kind,
        Currency: "USD",
        EntryFeeMinor: 1_000,
        MinEntries: 1,
        MaxEntries: 1_000,
        MaxEntriesPerPlayer: 3,
        LockAt: new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.Zero),
        GameIds: games,
        ScoringRules: rules,
        LineupSize: 8,
        PrizeTable: new PrizeTable(PrizeTableKinds.WinnerTakesAll),
        Pool: new PoolRule(PoolModes.Rake, RakeBp: 1_000),
        PlatformFeeBp: 300);

    /// <summary>Football rules used across the tests, interceptions and fumbles negative.</summary>
    public static ScoringRule[] Football =>
    [
        new("passing_yards", 40),
        new("passing_touchdowns", 4_000),
        new("interceptions", -1_000),
        new("rushing_yards", 100),
        new("fumbles_lost", -2_000),
        new("receptions", 0),
    ];
}

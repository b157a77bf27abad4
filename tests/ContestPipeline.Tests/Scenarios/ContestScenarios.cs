using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Entries;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>Contest definitions and slates the integration tests share.</summary>
public static class ContestScenarios
{
    public const long Fee = 1_000;

    public static readonly IReadOnlyList<ScoringRule> FootballRules =
    [
        new("passing_yards", 40), new("passing_touchdowns", 4_000), new("interceptions", -2_000),
        new("rushing_yards", 100), new("receiving_yards", 100), new("receptions", 500),
    ];

    public static ContestDefined Fantasy(string id, DateTimeOffset lockAt, string[] games, int maxPerPlayer = 1,
        int minEntries = 2) => new(
        id, "Sunday main slate", ContestKinds.Fantasy, "USD", Fee, minEntries, 1_000, maxPerPlayer, lockAt, games,
        FootballRules, LineupSize: 2,
        new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, 1, 5_000), new PrizePlace(2, 2, 3_000), new PrizePlace(3, 3, 2_000)]),
        new PoolRule(PoolModes.Rake, RakeBp: 1_000), PlatformFeeBp: 300);

    public static ContestDefined Fitness(string id, DateTimeOffset lockAt, string game, int minEntries = 2) => new(
        id, "November step challenge", ContestKinds.Fitness, "USD", Fee, minEntries, 100, 1, lockAt, [game],
        [new ScoringRule("steps", 1), new ScoringRule("active_minutes", 100)], LineupSize: 0,
        new PrizeTable(PrizeTableKinds.WinnerTakesAll), new PoolRule(PoolModes.Rake, RakeBp: 1_000),
        PlatformFeeBp: 300);

    public static EntrySubmitted Entry(string submission, string contest, string player, string paymentIntent,
        params string[] lineup) =>
        new(submission, contest, player, paymentIntent, lineup.Length == 0 ? null : lineup);
}

namespace ContestPipeline.Contracts.Contests;

/// <summary>
/// A contest definition as an operator submits it (topic <c>contests</c>, key: contest id).
/// Ingestion validates it and either schedules it or rejects it listing every reason; it is
/// never silently "fixed". Amounts are integer minor units of <see cref="Currency"/>; rates
/// are basis points (10,000 = 100%); points are thousandths of a point.
/// </summary>
public sealed record ContestDefined(
    string ContestId,
    string Title,
    string Kind,
    string Currency,
    long EntryFeeMinor,
    int MinEntries,
    int MaxEntries,
    int MaxEntriesPerPlayer,
    DateTimeOffset LockAt,
    IReadOnlyList<string> GameIds,
    IReadOnlyList<ScoringRule> ScoringRules,
    int LineupSize,
    PrizeTable PrizeTable,
    PoolRule Pool,
    int PlatformFeeBp,
    int StatCorrectionWindowMinutes = 0) : IMessage
{
    public const string MessageType = "ContestDefined";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>Contest kinds. A fantasy entry picks a lineup of athletes; a fitness entry scores the player's own stats.</summary>
public static class ContestKinds
{
    public const string Fantasy = "fantasy";
    public const string Fitness = "fitness";
}

/// <summary>Points per unit of one stat, in thousandths of a point (40 = 0.04 points per yard).</summary>
public sealed record ScoringRule(string Stat, long PointsPerUnitMilli);

/// <summary>
/// How the pool is divided among places. <see cref="Kind"/> is one of <see cref="PrizeTableKinds"/>:
/// <c>custom_percentages</c> uses <see cref="PercentagesBp"/> (place 1, 2, ...; must total 10,000),
/// <c>ranked</c> uses <see cref="Places"/> (each place in From..To receives ShareBp; must total 10,000).
/// </summary>
public sealed record PrizeTable(string Kind, IReadOnlyList<int>? PercentagesBp = null, IReadOnlyList<PrizePlace>? Places = null)
{
    /// <summary>
    /// Relative weight of each paid place, best first. Prize amounts are the pool split in
    /// these proportions (a split says where its leftover cents go: see Settlement).
    /// Returns null for an unknown kind or a table missing its list; validation names why.
    /// </summary>
    public IReadOnlyList<long>? PlaceWeights() => Kind switch
    {
        PrizeTableKinds.WinnerTakesAll => [1],
        PrizeTableKinds.TopThreeEqual => [1, 1, 1],
        PrizeTableKinds.TopThreeWeighted => [5_000, 3_000, 2_000],
        PrizeTableKinds.CustomPercentages => PercentagesBp?.Select(p => (long)p).ToList(),
        PrizeTableKinds.Ranked => Places?.OrderBy(p => p.From)
            .SelectMany(p => Enumerable.Repeat((long)p.ShareBp, Math.Max(0, p.To - p.From + 1))).ToList(),
        _ => null,
    };
}

/// <summary>Places <see cref="From"/> to <see cref="To"/> (1-based, inclusive) each receive <see cref="ShareBp"/> of the pool.</summary>
public sealed record PrizePlace(int From, int To, int ShareBp);

public static class PrizeTableKinds
{
    public const string WinnerTakesAll = "winner_takes_all";
    public const string TopThreeEqual = "top_three_equal";
    /// <summary>50% / 30% / 20%.</summary>
    public const string TopThreeWeighted = "top_three_weighted";
    public const string CustomPercentages = "custom_percentages";
    /// <summary>Place ranges as daily-fantasy operators publish them: 1st, 2nd, 3rd-5th, 6th-10th ...</summary>
    public const string Ranked = "ranked";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
        { WinnerTakesAll, TopThreeEqual, TopThreeWeighted, CustomPercentages, Ranked };
}

/// <summary>
/// Where the prize pool comes from: <c>rake</c>, entry fees less <see cref="RakeBp"/> (the
/// house take); or <c>guaranteed</c>, a fixed <see cref="GuaranteedMinor"/> (the platform
/// covers any shortfall).
/// </summary>
public sealed record PoolRule(string Mode, int RakeBp = 0, long GuaranteedMinor = 0);

public static class PoolModes
{
    public const string Rake = "rake";
    public const string Guaranteed = "guaranteed";
}

/// <summary>An operator's request to cancel a SCHEDULED or LOCKED contest (topic <c>contests</c>); every entry is refunded.</summary>
public sealed record ContestCancelRequested(string ContestId, string Reason, string RequestedBy) : IMessage
{
    public const string MessageType = "ContestCancelRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

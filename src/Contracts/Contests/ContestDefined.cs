using System.Text.Json.Serialization;
using ContestPipeline.Contracts.Operations;

namespace ContestPipeline.Contracts.Contests;

/// <summary>
/// A contest definition as an operator submits it (topic <c>contests</c>, key: contest id).
/// Ingestion validates it and either schedules it or rejects it listing every reason; it is
/// never silently "fixed". Amounts are integer minor units of <see cref="Currency"/>; rates
/// are basis points (10,000 = 100%); points are thousandths of a point. <c>Seals</c> are the defining
/// operators' signatures over the rest, one per operator, which Scoring and Settlement check on the definition
/// they act on: Ingestion relays it, and a definition it altered or made up is refused (docs/contests-and-feed.md,
/// "Sealed definitions"). A definition without seals is written without the field.
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
    int StatCorrectionWindowMinutes = 0,
    string? UnfinishedGames = null,
    DateTimeOffset? SlateEndsAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<OperatorSeal>? Seals = null) : IMessage
{
    public const string MessageType = "ContestDefined";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

/// <summary>
/// What a contest does when a covered game is cancelled, or is not final by the slate's end
/// (<c>slateEndsAt</c>; by default <see cref="SlateLengthDefault"/> after the last covered game's
/// scheduled start). Fixed when the contest is defined, and published with it. By default, as the
/// large daily-fantasy operators do, the contest is <see cref="ScoreAsPlayed"/>: athletes in such a
/// game score what they had when it stopped (zero if it never started), and the contest completes
/// when its other games have ended. A contest may instead <see cref="CancelAndRefund"/>: it is
/// cancelled and every entry refunded. A contest none of whose games was played is cancelled either way.
/// </summary>
public static class UnfinishedGameRules
{
    public const string ScoreAsPlayed = "score_as_played";
    public const string CancelAndRefund = "cancel_and_refund";

    public static IReadOnlySet<string> All { get; } =
        new HashSet<string>(StringComparer.Ordinal) { ScoreAsPlayed, CancelAndRefund };

    /// <summary>
    /// The slate's end when a definition gives none: this long after its last game's scheduled start.
    /// </summary>
    public static readonly TimeSpan SlateLengthDefault = TimeSpan.FromHours(24);

    /// <summary>The latest a slate may end: this long after the contest locks.</summary>
    public static readonly TimeSpan SlateLengthMax = TimeSpan.FromDays(14);

    /// <summary>The rule a definition chose, or the default.</summary>
    public static string Of(ContestDefined definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.UnfinishedGames ?? ScoreAsPlayed;
    }

    /// <summary>
    /// The slate's end: as defined, or <see cref="SlateLengthDefault"/> after <paramref name="lastGameStartsAt"/>.
    /// </summary>
    public static DateTimeOffset SlateEnd(ContestDefined definition, DateTimeOffset lastGameStartsAt)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.SlateEndsAt ?? lastGameStartsAt + SlateLengthDefault;
    }
}

/// <summary>
/// Contest kinds. A fantasy entry picks a lineup of athletes; a fitness entry scores the player's own stats.
/// </summary>
public static class ContestKinds
{
    public const string Fantasy = "fantasy";
    public const string Fitness = "fitness";
}

/// <summary>Points per unit of one stat, in thousandths of a point (40 = 0.04 points per yard).</summary>
public sealed record ScoringRule(string Stat, long PointsPerUnitMilli);

/// <summary>
/// How the pool is divided among places. <see cref="Kind"/> is one of <see cref="PrizeTableKinds"/>:
/// <c>custom_percentages</c> uses <see cref="PercentagesBp"/> (place 1, 2, ...; must total 10,000);
/// <c>ranked</c> uses <see cref="Places"/> (each place in From..To receives its share of the pool,
/// in basis points or parts per billion); <c>fixed_amounts</c>, for a guaranteed pool only, uses
/// <see cref="Amounts"/> (each place in From..To receives AmountMinor; they total the guarantee).
/// A table uses only the list its kind names. Tables are rows over place ranges, never one row
/// per place, so a table paying 200,000 places still fits in a message.
/// </summary>
public sealed record PrizeTable(
    string Kind,
    IReadOnlyList<int>? PercentagesBp = null,
    IReadOnlyList<PrizePlace>? Places = null,
    IReadOnlyList<PrizeAmount>? Amounts = null);

/// <summary>
/// Places <see cref="From"/> to <see cref="To"/> (1-based, inclusive) each receive a share of the
/// pool: <see cref="ShareBp"/> basis points (of 10,000) or, for tables too fine for basis points,
/// <see cref="SharePpb"/> parts per billion (of 1,000,000,000). A table gives every row's share in
/// the same unit and writes 0 for the other (ShareBp is on the wire since schema version 1, so a
/// parts-per-billion row carries <c>"shareBp": 0</c>).
/// </summary>
/// <remarks>
/// Why parts per billion, not per million: the smallest prizes of a 100,000-place table are a few
/// parts per million of its pool (40.00 of 10,000,000.00 is 4 ppm), and the steps between them
/// are finer still (45.00 is 4.5 ppm); one part per billion of the largest guaranteed pool
/// (10,000,000.00) is a cent, so any table published in cents can be written exactly.
/// </remarks>
public sealed record PrizePlace(int From, int To, int ShareBp, int SharePpb = 0)
{
    /// <summary>A share of <see cref="SharePpbWhole"/> parts per billion is the whole pool.</summary>
    public const int SharePpbWhole = 1_000_000_000;
}

/// <summary>
/// Places <see cref="From"/> to <see cref="To"/> (1-based, inclusive) each receive
/// <see cref="AmountMinor"/>, in minor units of the contest's currency: a lobby's "40,001st–75,500th: 40.00".
/// </summary>
public sealed record PrizeAmount(int From, int To, long AmountMinor);

public static class PrizeTableKinds
{
    public const string WinnerTakesAll = "winner_takes_all";
    public const string TopThreeEqual = "top_three_equal";
    /// <summary>50% / 30% / 20%.</summary>
    public const string TopThreeWeighted = "top_three_weighted";
    public const string CustomPercentages = "custom_percentages";
    /// <summary>
    /// Place ranges as daily-fantasy operators publish them: 1st, 2nd, 3rd-5th, 6th-10th ..., each range a share of the
    /// pool.
    /// </summary>
    public const string Ranked = "ranked";
    /// <summary>
    /// Place ranges with an amount each, as a guaranteed contest's lobby shows them; they total the guarantee.
    /// </summary>
    public const string FixedAmounts = "fixed_amounts";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
        { WinnerTakesAll, TopThreeEqual, TopThreeWeighted, CustomPercentages, Ranked, FixedAmounts };
}

/// <summary>
/// Where the prize pool comes from: <c>rake</c>, entry fees less <see cref="RakeBp"/> (the
/// house take); or <c>guaranteed</c>, a fixed <see cref="GuaranteedMinor"/> whose shortfall (the overlay) the platform
/// covers, or, when <see cref="Sponsor"/> names one, the sponsor: the ledger books that overlay to the sponsor's
/// funding account (<c>sponsor:&lt;id&gt;:funding</c>, what the platform invoices them), not to the platform's
/// overlay expense. Only a guaranteed pool has a sponsor; written without the field when it has none.
/// </summary>
public sealed record PoolRule(string Mode, int RakeBp = 0, long GuaranteedMinor = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sponsor = null);

public static class PoolModes
{
    public const string Rake = "rake";
    public const string Guaranteed = "guaranteed";
}

/// <summary>
/// An operator's request to cancel a contest not yet COMPLETE (topic <c>contests</c>); every entry is refunded.
/// <c>RequestedAt</c> is when the operator signed it: the request counts from then, for its lifetime
/// (absent only from requests made before it existed, which count from their arrival).
/// </summary>
public sealed record ContestCancelRequested(string ContestId, string Reason, string RequestedBy,
    DateTimeOffset? RequestedAt = null)
    : IMessage, IOperatorDecision
{
    string IOperatorDecision.Operator => RequestedBy;
    public const string MessageType = "ContestCancelRequested";
    public const int SchemaVersion = 1;
    static string IMessage.Type => MessageType;
    static int IMessage.Version => SchemaVersion;
}

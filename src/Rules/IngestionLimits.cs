namespace ContestPipeline.Rules;

/// <summary>
/// Every bound Ingestion alone enforces at the pipeline's edge, in one place, units last (the
/// bounds Settlement relies on too are <see cref="ContestPipeline.Contracts.Contests.ContestLimits"/>).
/// A value outside a bound is rejected with a reason naming it; nothing is clamped or "fixed".
/// </summary>
public static class IngestionLimits
{
    // Contest definitions.

    public const int ContestIdLengthMax = 100;
    public const int TitleLengthMax = 200;

    /// <summary>
    /// The least a paid contest's entry fee is: 1 minor unit. A contest free to enter has 0, and a guaranteed pool
    /// that the platform or a sponsor funds (<see cref="Contests.ContestValidator"/>).
    /// </summary>
    public const long EntryFeeMinorMin = 1;
    /// <summary>10,000.00 in a two-digit currency: above it an entry fee is a typo, not a product.</summary>
    public const long EntryFeeMinorMax = 1_000_000;

    /// <summary>A contest of one entry has nobody to beat.</summary>
    public const int MinEntriesMin = 2;
    public const int EntriesPerPlayerMax = 1_000;

    public const int GamesPerContestMax = 50;

    /// <summary>
    /// A definition listing more rules than this necessarily repeats or invents a stat (there
    /// are fewer known stats); the bound only keeps the list of reasons short.
    /// </summary>
    public const int ScoringRulesMax = 50;
    /// <summary>1,000 points per unit of a stat, either sign: beyond it a rule is a typo.</summary>
    public const long PointsPerUnitMilliAbsMax = 1_000_000;

    public const int FantasyLineupSizeMin = 1;
    public const int FantasyLineupSizeMax = 20;

    // Entries per contest, paid places, prize table rows and the rake are ContestLimits:
    // Settlement relies on them too.

    public const long GuaranteedPoolMinorMin = 1;
    /// <summary>10,000,000.00 in a two-digit currency.</summary>
    public const long GuaranteedPoolMinorMax = 1_000_000_000;

    /// <summary>The longest sponsor id a guaranteed pool names (it becomes part of a ledger account's name).</summary>
    public const int SponsorIdLengthMax = 64;
    public const int PlatformFeeBpMax = 2_000;
    /// <summary>Seven days.</summary>
    public const int StatCorrectionWindowMinutesMax = 10_080;

    // Provider feed.

    /// <summary>How long a gap in a game's sequence numbers is waited for before it is skipped and alerted.</summary>
    public const int FeedGapHoldMs = 30_000;
    /// <summary>Out-of-order events held per game; when full, the oldest gap is given up at once.</summary>
    public const int FeedHeldEventsMax = 10_000;
    /// <summary>
    /// How far beyond the next expected sequence an event may be. A real game has a few
    /// thousand events; one corrupt sequence number far ahead would otherwise be held, and
    /// once its gap expired every genuine event below it would be skipped as late.
    /// </summary>
    public const long FeedSequenceAheadMax = 100_000;
    /// <summary>
    /// Skipped ranges remembered per game to tell a late event from a duplicate; the oldest are forgotten first.
    /// </summary>
    public const int FeedSkippedRangesMax = 1_000;

    public const int GameIdLengthMax = 100;
    /// <summary>
    /// A postponement's, suspension's or cancellation's reason: a sentence for people, not a document.
    /// </summary>
    public const int FeedReasonLengthMax = 500;
    public const int AthleteIdLengthMax = 100;
    /// <summary>
    /// A fitness challenge's "roster" is its participants, so this is generous; a Kafka message caps it anyway.
    /// </summary>
    public const int GameRosterAthletesMax = 100_000;

    // Reasons.

    /// <summary>
    /// A value quoted in a reason is cut to this length so a hostile input cannot flood alerts and logs.
    /// </summary>
    public const int ReasonValueLengthMax = 80;
}

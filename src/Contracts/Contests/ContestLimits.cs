namespace ContestPipeline.Contracts.Contests;

/// <summary>
/// The bounds of a contest definition that more than one worker relies on, in one place, units
/// last. Ingestion refuses a definition outside them with a reason naming the bound; Settlement,
/// which only ever sees definitions Ingestion accepted, treats a value outside them as a bug.
/// A bound may be widened additively (every definition valid before stays valid); narrowing
/// one would refuse what was accepted before, so each is set no higher than a real need.
/// </summary>
public static class ContestLimits
{
    /// <summary>Entries one contest may take (its <c>maxEntries</c> at most).</summary>
    public const int EntriesMax = 1_000_000;

    /// <summary>
    /// Places one prize table may pay. The largest real tournaments pay about 22 % of their
    /// entries (75,500 of 341,099); 200,000 covers that for contests approaching
    /// <see cref="EntriesMax"/> and is what the settlement benchmark is sized for.
    /// </summary>
    public const int PaidPlacesMax = 200_000;

    /// <summary>
    /// Rows one ranked or fixed-amount prize table may list. A row covers a range of places,
    /// so real tables need a few dozen to a few hundred; 10,000 is what a ranked table could
    /// list before rows had to be ranges (one row per place, each at least 1 bp), so every
    /// table valid then stays valid. At about 62 bytes a row, the largest table keeps a
    /// definition well under the pipeline's 1,000,000-byte message limit.
    /// </summary>
    public const int PrizeTableRowsMax = 10_000;

    /// <summary>The most a rake pool may take of the entry fees: 50 %.</summary>
    public const int RakeBpMax = 5_000;

    /// <summary>
    /// The largest guaranteed pool one operator's seal defines: 10,000.00 in minor units. Above it the platform
    /// may owe an overlay large enough that a second operator must seal the definition too.
    /// </summary>
    public const long GuaranteedMinorOneOperatorMax = 1_000_000;

    /// <summary>
    /// How many operators must seal <paramref name="definition"/>: one, or two above the guarantee bound.
    /// </summary>
    public static int SealsNeeded(ContestDefined definition) =>
        definition?.Pool is { Mode: PoolModes.Guaranteed, GuaranteedMinor: > GuaranteedMinorOneOperatorMax } ? 2 : 1;
}

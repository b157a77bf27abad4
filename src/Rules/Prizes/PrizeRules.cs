using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Rules.Prizes;

/// <summary>
/// Consecutive places <see cref="From"/> to <see cref="To"/> (1-based, inclusive) that each have <see cref="Value"/>.
/// </summary>
public readonly record struct PlaceRun(int From, int To, long Value)
{
    public int Places => To - From + 1;
}

/// <summary>How a prize table pays its places.</summary>
public enum PlacePay
{
    /// <summary>The pool is split in proportion to each place's weight (percentages, shares).</summary>
    ByWeight,
    /// <summary>Each place is paid its published amount, in minor units (<c>fixed_amounts</c>).</summary>
    FixedAmounts,
}

/// <summary>
/// A prize table as Settlement reads it: runs of places, best first, from place 1 with no gap
/// or overlap, each value above 0 and none above the run before. One run per table row, never
/// one per place, so a table of 200,000 places costs as much as its rows.
/// </summary>
public sealed record PlaceTable(PlacePay Pay, IReadOnlyList<PlaceRun> Runs)
{
    /// <summary>How many places the table pays.</summary>
    public int Places => Runs[^1].To;

    /// <summary>
    /// The runs of places 1 to <paramref name="lastPlace"/> (the last run cut short if it goes beyond).
    /// </summary>
    public IReadOnlyList<PlaceRun> Through(int lastPlace)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lastPlace);
        var runs = new List<PlaceRun>();
        foreach (var run in Runs)
        {
            if (run.From > lastPlace) break;
            runs.Add(run.To <= lastPlace ? run : run with { To = lastPlace });
        }
        return runs;
    }

    /// <summary>
    /// Σ places × value over the runs: a fixed table's amounts, or the total of its weights. In
    /// 128 bits, where no table within the row bound can overflow (10,000 × 2^31 × 2^63 &lt; 2^108),
    /// so a wrong total is told as a wrong total, never as an overflow.
    /// </summary>
    public static Int128 Total(IReadOnlyList<PlaceRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        Int128 total = 0;
        foreach (var run in runs) total += (Int128)run.Places * run.Value;
        return total;
    }
}

/// <summary>
/// The parts of a contest definition that decide its prizes. Ingestion has already accepted
/// the definition, so a rule that breaks its bounds here is a bug upstream and throws: a
/// contest is paid exactly as written or not at all, never by a silent fallback.
/// </summary>
public sealed record PrizeRules(Currency Currency, PrizeTable Table, PoolRule Pool, int PlatformFeeBp)
{
    public static PrizeRules From(ContestDefined contest)
    {
        ArgumentNullException.ThrowIfNull(contest);
        return new PrizeRules(Currency.Parse(contest.Currency), contest.PrizeTable, contest.Pool,
            contest.PlatformFeeBp);
    }

    /// <summary>
    /// The table's places, best first, after checking what Ingestion promised: rows (or list
    /// items) within <see cref="ContestLimits"/>, starting at place 1 and following each other
    /// with no gap or overlap; every value above 0 and none above the place before (so a better
    /// place is never paid less); percentages and basis-point shares total exactly 10,000,
    /// parts-per-billion shares exactly 1,000,000,000 (one unit per table); fixed amounts only
    /// on a guaranteed pool, totalling exactly the guarantee. Throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public PlaceTable Places()
    {
        ArgumentNullException.ThrowIfNull(Table);
        if (Table.Kind != PrizeTableKinds.FixedAmounts && Table.Amounts is { Count: > 0 })
            throw new ArgumentException($"prize table '{Table.Kind}' lists amounts it does not use", nameof(Table));
        return Table.Kind switch
        {
            PrizeTableKinds.WinnerTakesAll => new PlaceTable(PlacePay.ByWeight, [new(1, 1, 1)]),
            PrizeTableKinds.TopThreeEqual => new PlaceTable(PlacePay.ByWeight, [new(1, 3, 1)]),
            PrizeTableKinds.TopThreeWeighted =>
                new PlaceTable(PlacePay.ByWeight, [new(1, 1, 5_000), new(2, 2, 3_000), new(3, 3, 2_000)]),
            PrizeTableKinds.CustomPercentages => Percentages(Table.PercentagesBp),
            PrizeTableKinds.Ranked => Shares(Table.Places),
            PrizeTableKinds.FixedAmounts => Amounts(Table.Amounts),
            _ => throw new ArgumentException($"prize table kind '{Table.Kind}' is unknown", nameof(Table)),
        };
    }

    private static PlaceTable Percentages(IReadOnlyList<int>? percentages)
    {
        if (percentages is null || percentages.Count == 0)
            throw new ArgumentException("custom_percentages lacks its list", nameof(Table));
        if (percentages.Count > BasisPoints.Whole)
            throw new ArgumentException($"custom_percentages lists {percentages.Count} places; at most " +
                $"{BasisPoints.Whole} can each get 1 bp", nameof(Table));
        var runs = new PlaceRun[percentages.Count];
        for (var i = 0; i < runs.Length; i++) runs[i] = new PlaceRun(i + 1, i + 1, percentages[i]);
        CheckRuns(runs);
        if (PlaceTable.Total(runs) != BasisPoints.Whole)
            throw new ArgumentException($"custom_percentages totals {PlaceTable.Total(runs)} bp, not " +
                $"{BasisPoints.Whole}", nameof(Table));
        return new PlaceTable(PlacePay.ByWeight, runs);
    }

    private static PlaceTable Shares(IReadOnlyList<PrizePlace>? rows)
    {
        var sorted = Sorted(rows, r => r.From);
        var inPpb = sorted.Any(r => r.SharePpb != 0);
        if (inPpb && sorted.Any(r => r.ShareBp != 0))
            throw new ArgumentException("ranked rows give shares in both bp and ppb", nameof(Table));
        var runs = sorted.Select(r => new PlaceRun(r.From, r.To, inPpb ? r.SharePpb : r.ShareBp)).ToArray();
        CheckRuns(runs);
        var whole = inPpb ? PrizePlace.SharePpbWhole : BasisPoints.Whole;
        if (PlaceTable.Total(runs) != whole)
            throw new ArgumentException($"ranked rows total {PlaceTable.Total(runs)} {(inPpb ? "ppb" : "bp")}, not " +
                $"{whole}", nameof(Table));
        return new PlaceTable(PlacePay.ByWeight, runs);
    }

    private PlaceTable Amounts(IReadOnlyList<PrizeAmount>? rows)
    {
        if (Table.PercentagesBp is { Count: > 0 } || Table.Places is { Count: > 0 })
            throw new ArgumentException("fixed_amounts lists percentages or shares it does not use", nameof(Table));
        ArgumentNullException.ThrowIfNull(Pool);
        if (Pool.Mode != PoolModes.Guaranteed)
            throw new ArgumentException($"fixed_amounts on a '{Pool.Mode}' pool; fixed amounts need a guaranteed pool",
                nameof(Pool));
        var runs = Sorted(rows, r => r.From).Select(r => new PlaceRun(r.From, r.To, r.AmountMinor)).ToArray();
        CheckRuns(runs);
        if (PlaceTable.Total(runs) != Pool.GuaranteedMinor)
            throw new ArgumentException($"fixed_amounts total {PlaceTable.Total(runs)}, not the guarantee " +
                $"{Pool.GuaranteedMinor}", nameof(Table));
        return new PlaceTable(PlacePay.FixedAmounts, runs);
    }

    /// <summary>
    /// Rows by first place: Ingestion requires them in order, and sorting first lets the run checks name a gap or an
    /// overlap rather than an order.
    /// </summary>
    private static T[] Sorted<T>(IReadOnlyList<T>? rows, Func<T, int> from) where T : class
    {
        if (rows is null || rows.Count == 0)
            throw new ArgumentException("the prize table lacks its rows", nameof(Table));
        if (rows.Count > ContestLimits.PrizeTableRowsMax)
            throw new ArgumentException($"the prize table lists {rows.Count} rows; at most " +
                $"{ContestLimits.PrizeTableRowsMax}", nameof(Table));
        if (rows.Any(r => r is null)) throw new ArgumentException("the prize table has a missing row", nameof(Table));
        return [.. rows.OrderBy(from)];
    }

    /// <summary>
    /// From place 1, contiguous, within <see cref="ContestLimits.PaidPlacesMax"/>, values above 0 and never rising.
    /// </summary>
    private static void CheckRuns(IReadOnlyList<PlaceRun> runs)
    {
        long next = 1;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (run.From != next || run.To < run.From)
                throw new ArgumentException($"prize table rows {run.From}-{run.To} do not start at place {next} or " +
                    "end before they start", nameof(Table));
            if (run.To > ContestLimits.PaidPlacesMax)
                throw new ArgumentException($"prize table pays {run.To} places; at most {ContestLimits.PaidPlacesMax}",
                    nameof(Table));
            if (run.Value <= 0)
                throw new ArgumentException($"prize table gives places {run.From}-{run.To} {run.Value}; every paid " +
                    "place needs more than 0", nameof(Table));
            if (i > 0 && run.Value > runs[i - 1].Value)
                throw new ArgumentException($"prize table gives places {run.From}-{run.To} more ({run.Value}) than " +
                    $"place {run.From - 1} ({runs[i - 1].Value})", nameof(Table));
            next = (long)run.To + 1;
        }
    }

    /// <summary>The platform fee rate, checked to be a rate (0 to 100%).</summary>
    public BasisPoints PlatformFee()
    {
        var fee = new BasisPoints(PlatformFeeBp);
        if (!fee.IsValidRate)
            throw new ArgumentException($"platform fee {PlatformFeeBp} bp is not between 0 and {BasisPoints.Whole}",
                nameof(PlatformFeeBp));
        return fee;
    }
}

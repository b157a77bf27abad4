using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Settlement.Domain;

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
        return new PrizeRules(Currency.Parse(contest.Currency), contest.PrizeTable, contest.Pool, contest.PlatformFeeBp);
    }

    /// <summary>
    /// The relative weight of each paid place, best first: <see cref="PrizeTable.PlaceWeights"/>
    /// after checking what Ingestion promised. Every weight is above 0 and none is above the
    /// place before (so a better place is never paid less); percentages and ranked shares
    /// total exactly 10,000 bp; ranked rows start at place 1 and follow each other with no gap
    /// or overlap. Throws <see cref="ArgumentException"/> otherwise.
    /// </summary>
    public IReadOnlyList<long> PlaceWeights()
    {
        ArgumentNullException.ThrowIfNull(Table);
        if (Table.Kind == PrizeTableKinds.Ranked) CheckRankedRows(Table.Places);
        if (Table.Kind == PrizeTableKinds.CustomPercentages && Table.PercentagesBp is { Count: > BasisPoints.Whole } p)
            throw new ArgumentException($"custom_percentages lists {p.Count} places; at most {BasisPoints.Whole} can each get 1 bp", nameof(Table));

        var weights = Table.PlaceWeights()
            ?? throw new ArgumentException($"prize table kind '{Table.Kind}' is unknown or lacks its list", nameof(Table));
        if (weights.Count == 0)
            throw new ArgumentException($"prize table '{Table.Kind}' pays no place", nameof(Table));

        long total = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] <= 0)
                throw new ArgumentException($"prize table '{Table.Kind}' gives place {i + 1} a weight of {weights[i]}; every paid place needs more than 0", nameof(Table));
            if (i > 0 && weights[i] > weights[i - 1])
                throw new ArgumentException($"prize table '{Table.Kind}' gives place {i + 1} more ({weights[i]}) than place {i} ({weights[i - 1]})", nameof(Table));
            total = checked(total + weights[i]);
        }

        if (Table.Kind is PrizeTableKinds.CustomPercentages or PrizeTableKinds.Ranked && total != BasisPoints.Whole)
            throw new ArgumentException($"prize table '{Table.Kind}' totals {total} bp, not {BasisPoints.Whole}", nameof(Table));
        return weights;
    }

    /// <summary>
    /// <see cref="PrizeTable.PlaceWeights"/> sorts ranked rows by their first place and repeats
    /// each share over its span, so a gap or an overlap would silently move shares to other
    /// places, and a huge span would allocate a huge list. Both are checked before expanding.
    /// </summary>
    private static void CheckRankedRows(IReadOnlyList<PrizePlace>? rows)
    {
        if (rows is null) return; // PlaceWeights returns null and the caller names it.
        long next = 1;
        foreach (var row in rows.OrderBy(r => r.From))
        {
            if (row.From != next || row.To < row.From)
                throw new ArgumentException($"ranked row {row.From}-{row.To} does not start at place {next} or ends before it starts", "Table");
            next = (long)row.To + 1;
            if (next - 1 > ContestLimits.PaidPlacesMax)
                throw new ArgumentException($"ranked rows pay more than {ContestLimits.PaidPlacesMax} places", "Table");
        }
    }

    /// <summary>The platform fee rate, checked to be a rate (0 to 100%).</summary>
    public BasisPoints PlatformFee()
    {
        var fee = new BasisPoints(PlatformFeeBp);
        if (!fee.IsValidRate)
            throw new ArgumentException($"platform fee {PlatformFeeBp} bp is not between 0 and {BasisPoints.Whole}", nameof(PlatformFeeBp));
        return fee;
    }
}

namespace ContestPipeline.Rules.Prizes;

/// <summary>
/// The two splits of a prize pool, each saying where its leftover cents go. Amounts are
/// non-negative minor units; products are taken in 128 bits so no pool can overflow them.
/// </summary>
public static class PrizeSplit
{
    /// <summary>
    /// Splits <paramref name="amount"/> in proportion to <paramref name="weights"/> (best place
    /// first): each part is floor(amount × weight / Σ weights); the leftover cents, fewer than
    /// the number of parts, go one each to the first parts. With weights that never increase,
    /// the parts never increase either, and they always sum to <paramref name="amount"/>.
    /// </summary>
    public static long[] ByWeights(long amount, IReadOnlyList<long> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var runs = new PlaceRun[weights.Count];
        for (var i = 0; i < runs.Length; i++) runs[i] = new PlaceRun(i + 1, i + 1, weights[i]);
        var parts = new long[weights.Count];
        foreach (var run in RunsByWeights(amount, runs)) parts[run.From - 1] = run.Value;
        return parts;
    }

    /// <summary>
    /// <see cref="ByWeights(long, IReadOnlyList{long})"/> over runs of places that share a weight,
    /// without one element per place: each place of a run gets floor(amount × weight / W), where
    /// W = Σ places × weight over all runs, and the leftover cents go one each to places 1, 2, ...
    /// So a run is cut in two where the leftover cents end. Returns runs of amounts, best first.
    /// </summary>
    /// <remarks>
    /// Why the leftover is fewer than the places: each place's exact share amount × weight / W
    /// loses less than one cent to the floor, so the places together lose less than their
    /// number, and the loss is a whole number of cents. Floors are exact: every operand is
    /// non-negative, so 128-bit integer division truncates toward zero, which is the floor;
    /// amount × weight is below 2^63 × 2^63 = 2^126, within Int128, and each quotient is at most amount.
    /// </remarks>
    public static PlaceRun[] RunsByWeights(long amount, IReadOnlyList<PlaceRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        if (runs.Count == 0) throw new ArgumentException("no weights to split by", nameof(runs));

        Int128 total = 0;
        long places = 0;
        foreach (var run in runs)
        {
            if (run.Value <= 0) throw new ArgumentException($"weight {run.Value} is not above 0", nameof(runs));
            if (run.From != places + 1 || run.To < run.From)
                throw new ArgumentException($"places {run.From}-{run.To} do not follow place {places}", nameof(runs));
            total += (Int128)run.Places * run.Value;
            places = run.To;
        }

        var each = new long[runs.Count];
        Int128 assigned = 0;
        for (var i = 0; i < runs.Count; i++)
        {
            each[i] = checked((long)((Int128)amount * runs[i].Value / total));
            assigned += (Int128)each[i] * runs[i].Places;
        }

        var leftover = amount - assigned;
        if (leftover < 0 || leftover >= places)
            throw new InvalidOperationException($"split of {amount} over {places} places left {leftover} cents");
        var lastWithExtra = (int)leftover; // places 1 to this one get a leftover cent each

        var parts = new List<PlaceRun>(runs.Count + 1);
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (run.To <= lastWithExtra) parts.Add(run with { Value = checked(each[i] + 1) });
            else if (run.From > lastWithExtra) parts.Add(run with { Value = each[i] });
            else
            {
                parts.Add(new PlaceRun(run.From, lastWithExtra, checked(each[i] + 1)));
                parts.Add(new PlaceRun(lastWithExtra + 1, run.To, each[i]));
            }
        }
        return [.. parts];
    }

    /// <summary>
    /// Splits <paramref name="amount"/> into <paramref name="count"/> equal parts: each is
    /// floor(amount / count) and the leftover cents, fewer than <paramref name="count"/>, go one
    /// each to the first parts (for tied entries: in entry id order).
    /// </summary>
    public static long[] Evenly(long amount, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var share = amount / count;
        var leftover = amount % count;
        var parts = new long[count];
        for (var i = 0; i < count; i++) parts[i] = i < leftover ? share + 1 : share;
        return parts;
    }
}

namespace ContestPipeline.Settlement.Domain;

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
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        if (weights.Count == 0) throw new ArgumentException("no weights to split by", nameof(weights));

        Int128 total = 0;
        foreach (var w in weights)
        {
            if (w <= 0) throw new ArgumentException($"weight {w} is not above 0", nameof(weights));
            total += w;
        }

        var parts = new long[weights.Count];
        long assigned = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            // amount × weight fits easily in 128 bits; the quotient is at most amount.
            parts[i] = checked((long)((Int128)amount * weights[i] / total));
            assigned = checked(assigned + parts[i]);
        }

        var leftover = checked(amount - assigned);
        if (leftover < 0 || leftover >= parts.Length)
            throw new InvalidOperationException($"split of {amount} by {parts.Length} weights left {leftover} cents");
        for (var i = 0; i < leftover; i++) parts[i] = checked(parts[i] + 1);
        return parts;
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

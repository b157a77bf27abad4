using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Rules.Prizes;

/// <summary>What settling a contest's prizes comes to, in the order checked.</summary>
public enum PrizeOutcome
{
    /// <summary>
    /// The final standings have no entry: nobody to pay. No prize is ordered; the contest is
    /// SETTLED with no payouts and PAID at once (with no entries there are no fees either). A
    /// contest under its minimum entries never gets here: the referee cancels it at lock and
    /// Settlement refunds every entry.
    /// </summary>
    NothingToSettle,
    /// <summary>Prizes are fixed. With a pool of 0 (a rake that took every cent) there are no awards.</summary>
    Settled,
}

/// <summary>
/// The prize of one winning entry (one whose gross prize is above 0).
/// </summary>
/// <param name="PayoutId">See <see cref="PayoutIds"/>: the Stripe Idempotency-Key of the transfer.</param>
/// <param name="Rank">The entry's competition rank; <paramref name="TiedEntries"/> entries share it.</param>
/// <param name="PlacesFrom">The first paid place this prize shares in (its rank).</param>
/// <param name="PlacesTo">The last paid place it shares in: rank + tied entries − 1, or the last paid place if that is
/// lower.</param>
/// <param name="Gross">The prize.</param>
/// <param name="Fee">The platform fee withheld: gross × fee rate, rounded half-up.</param>
/// <param name="Net">What the winner receives: gross − fee.</param>
public sealed record PrizeAward(
    string PayoutId,
    string EntryId,
    string PlayerId,
    int Rank,
    int TiedEntries,
    int PlacesFrom,
    int PlacesTo,
    Money Gross,
    Money Fee,
    Money Net);

/// <summary>Paid places <see cref="From"/> to <see cref="To"/> each get <see cref="Amount"/>.</summary>
public sealed record PlaceRange(int From, int To, Money Amount);

/// <summary>
/// A contest's prizes. <see cref="PlaceRanges"/> holds what each paid place gets, after any
/// redistribution, as ranges of places best first (one per table row, or two where the leftover
/// cents end), and <see cref="PlaceAmounts"/> reads them place by place; <see cref="Awards"/> are
/// best rank first, then entry id (ordinal). Gross total == pool; fee total + net total == gross total.
/// </summary>
public sealed record PrizeSettlement(
    string ContestId,
    PoolBreakdown Pool,
    int EntryCount,
    int PlacesInTable,
    IReadOnlyList<PlaceRange> PlaceRanges,
    IReadOnlyList<PrizeAward> Awards,
    BasisPoints PlatformFee,
    Money GrossTotal,
    Money FeeTotal,
    Money NetTotal,
    string Rule)
{
    /// <summary>
    /// One amount per paid place, best first, read from <see cref="PlaceRanges"/> without a copy per place.
    /// </summary>
    public IReadOnlyList<Money> PlaceAmounts => new PlaceAmountList(PlaceRanges);

    private sealed class PlaceAmountList(IReadOnlyList<PlaceRange> ranges) : IReadOnlyList<Money>
    {
        public int Count => ranges.Count == 0 ? 0 : ranges[^1].To;

        public Money this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                int lo = 0, hi = ranges.Count - 1;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    if (ranges[mid].To < index + 1) lo = mid + 1;
                    else hi = mid;
                }
                return ranges[lo].Amount;
            }
        }

        public IEnumerator<Money> GetEnumerator()
        {
            foreach (var range in ranges)
                for (var place = range.From; place <= range.To; place++) yield return range.Amount;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

public sealed record PrizeDecision(PrizeOutcome Outcome, string Reason, PrizeSettlement? Settlement);

/// <summary>
/// Winners and prize amounts from a contest's final standings and prize rules. Pure: the same
/// inputs give the same outputs, whatever the order of the standing rows. Expected outcomes
/// are <see cref="PrizeOutcome"/> values; inputs that break what Ingestion and Scoring promise
/// (an invalid table, standings whose ranks do not follow from their scores, a currency
/// mismatch) are bugs and throw.
/// </summary>
/// <remarks>
/// Work grows with the standings and the table's rows, never with a product of the two: place
/// amounts are computed per table row (<see cref="PrizeSplit.RunsByWeights"/>), and a tie's
/// combined prize is summed over the ranges it spans by a cursor that only moves forward. A
/// million standings with 200,000 paid places settle in well under a second (cpdev fuzz prizes --large prints it).
/// </remarks>
public static class PrizeCalculator
{
    /// <summary>
    /// The published rule for places, ties and leftover cents, for the settlement record and the contest page.
    /// </summary>
    public const string PublishedRule =
        "Places: a table of percentages or shares pays each paid place floor(pool x place weight / sum of paid " +
        "weights); the leftover cents, fewer than the number of paid places, go one each to the best places first. A " +
        "fixed_amounts table pays each paid place its published amount. Fewer entries than paid places: only places " +
        "1 to the number of entries are paid. A table of percentages or shares splits the pool over their weights, " +
        "so the unfilled places' share goes to the filled ones in proportion to their weights. A fixed_amounts table " +
        "pays the filled places their published amounts and the unfilled places' amounts are not paid: the pool is " +
        "the filled places' amounts, and the guarantee less the pool is never put in. Ties: k entries tied at rank r " +
        "share the amounts of places r to r+k-1 (a place beyond the paid ones adds 0); each receives floor(sum / k) " +
        "and the leftover cents, fewer than k, go one each to the tied entries in entry id order (ordinal). An entry " +
        "whose share is 0 (a worse place than the paid ones, or a pool smaller than the places) has no payout. " +
        "Platform fee: each prize x fee rate, rounded half-up per prize; the winner receives the prize minus the " +
        "fee. The prizes of a contest always sum exactly to its pool.";

    /// <summary>
    /// Settles a contest's prizes. <paramref name="entryFeesKept"/> is the sum of the entry fees
    /// collected and not refunded; <paramref name="finalStandings"/> are every entry's final row,
    /// in any order.
    /// </summary>
    public static PrizeDecision Calculate(string contestId, PrizeRules rules, Money entryFeesKept,
        IReadOnlyList<StandingRow> finalStandings)
    {
        ArgumentException.ThrowIfNullOrEmpty(contestId);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(finalStandings);
        if (entryFeesKept.Currency != rules.Currency)
            throw new ArgumentException($"entry fees are in {entryFeesKept.Currency}, the contest settles in " +
                $"{rules.Currency}", nameof(entryFeesKept));

        var table = rules.Places();
        var feeRate = rules.PlatformFee();
        var pool = PrizePool.Compute(rules.Pool, entryFeesKept);
        var rows = Ordered(finalStandings);

        if (rows.Length == 0)
            return new PrizeDecision(PrizeOutcome.NothingToSettle,
                $"contest {contestId} has no entries: nothing to pay", null);

        var currency = rules.Currency;
        var placesPaid = Math.Min(table.Places, rows.Length);
        var amounts = PaidPlaceAmounts(rules, entryFeesKept, table, placesPaid, ref pool);
        var totals = new Totals();
        var awards = Awards(contestId, rows, placesPaid, amounts, feeRate, currency, totals);
        var (grossTotal, feeTotal, netTotal) = (totals.Gross, totals.Fee, totals.Net);

        if (grossTotal != pool.Pool.MinorUnits || checked(feeTotal + netTotal) != grossTotal)
            throw new InvalidOperationException(
                $"contest {contestId}: prizes {grossTotal} (fees {feeTotal} + net {netTotal}) do not sum to the pool " +
                $"{pool.Pool.MinorUnits}");

        var settlement = new PrizeSettlement(
            contestId, pool, rows.Length, table.Places,
            amounts.Select(a => new PlaceRange(a.From, a.To, new Money(a.Value, currency))).ToList(), awards, feeRate,
            new Money(grossTotal, currency), new Money(feeTotal, currency), new Money(netTotal, currency),
            PublishedRule);
        var unpaid = pool.Unfilled.MinorUnits == 0 ? "" : $" ({pool.Unfilled} of unfilled places not paid)";
        return new PrizeDecision(PrizeOutcome.Settled,
            $"contest {contestId}: {rows.Length} entries, {placesPaid} of {table.Places} places paid, {awards.Count} " +
            $"winners share {pool.Pool}{unpaid}",
            settlement);
    }

    /// <summary>
    /// What each paid place is paid. A fixed_amounts table pays its published amounts, and the
    /// places no entry reached are not paid: the pool becomes what the filled places are paid.
    /// </summary>
    private static PlaceRun[] PaidPlaceAmounts(PrizeRules rules, Money entryFeesKept, PlaceTable table, int placesPaid,
        ref PoolBreakdown pool)
    {
        var paidRuns = table.Through(placesPaid);
        if (table.Pay != PlacePay.FixedAmounts) return PrizeSplit.RunsByWeights(pool.Pool.MinorUnits, paidRuns);
        var unfilled = checked(rules.Pool.GuaranteedMinor - (long)PlaceTable.Total(paidRuns));
        pool = PrizePool.Compute(rules.Pool, entryFeesKept, new Money(unfilled, rules.Currency));
        return [.. paidRuns];
    }

    /// <summary>The sums of the awards, kept checked as they are added.</summary>
    private sealed class Totals
    {
        public long Gross, Fee, Net;
    }

    /// <summary>Every entry with a non-zero share of the places it spans, its fee and what it receives.</summary>
    private static List<PrizeAward> Awards(string contestId, StandingRow[] rows, int placesPaid, PlaceRun[] amounts,
        BasisPoints feeRate, Currency currency, Totals totals)
    {
        var awards = new List<PrizeAward>();
        var places = new PlaceCursor(amounts);
        // Rows are in rank order and a group of k tied rows at rank r starts at index r − 1; a
        // group that starts past the last paid place spans no paid place, nor does any after it.
        for (var start = 0; start < placesPaid;)
        {
            var end = start + 1;
            while (end < rows.Length && rows[end].Rank == rows[start].Rank) end++;
            var tied = end - start;
            var lastPlace = Math.Min(end, placesPaid);

            var combined = places.Sum(start + 1, lastPlace);
            var shares = PrizeSplit.Evenly(combined, tied);

            for (var i = 0; i < tied; i++)
            {
                if (shares[i] == 0) continue;
                var row = rows[start + i];
                var gross = shares[i];
                var fee = feeRate.ApplyHalfUp(gross);
                var net = checked(gross - fee);
                if (fee < 0 || net < 0)
                    throw new InvalidOperationException(
                        $"fee {fee} on prize {gross} of entry {row.EntryId} is not between 0 and the prize");
                awards.Add(new PrizeAward(
                    PayoutIds.For(contestId, row.EntryId), row.EntryId, row.PlayerId, row.Rank, tied, start + 1,
                    lastPlace,
                    new Money(gross, currency), new Money(fee, currency), new Money(net, currency)));
                totals.Gross = checked(totals.Gross + gross);
                totals.Fee = checked(totals.Fee + fee);
                totals.Net = checked(totals.Net + net);
            }
            start = end;
        }
        return awards;
    }

    /// <summary>
    /// Sums place amounts over consecutive ranges of places, each starting right after the one
    /// before ends (the places tied groups span, best first), moving through the runs once.
    /// </summary>
    private sealed class PlaceCursor(PlaceRun[] runs)
    {
        private int _run;

        /// <summary>Σ of the amounts of places <paramref name="from"/> to <paramref name="to"/>.</summary>
        public long Sum(int from, int to)
        {
            while (runs[_run].To < from) _run++;
            long sum = 0;
            for (var i = _run; i < runs.Length && runs[i].From <= to; i++)
            {
                var overlap = Math.Min(to, runs[i].To) - Math.Max(from, runs[i].From) + 1;
                sum = checked(sum + checked(overlap * runs[i].Value));
            }
            return sum;
        }
    }

    /// <summary>
    /// The rows in rank order, tied rows by entry id (ordinal), after checking what Scoring
    /// promises: entry ids unique, ranks standard competition ranks (1, 2, 2, 4) and a rank
    /// shared only by equal scores, a worse rank only by a lower score.
    /// </summary>
    private static StandingRow[] Ordered(IReadOnlyList<StandingRow> standings)
    {
        var rows = standings.ToArray();
        var seen = new HashSet<string>(rows.Length, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(standings));
            if (string.IsNullOrEmpty(row.EntryId) || string.IsNullOrEmpty(row.PlayerId))
                throw new ArgumentException($"standing row at rank {row.Rank} lacks an entry or player id",
                    nameof(standings));
            if (!seen.Add(row.EntryId))
                throw new ArgumentException($"entry {row.EntryId} appears twice in the standings", nameof(standings));
        }

        Array.Sort(rows, (a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank)
            : string.CompareOrdinal(a.EntryId, b.EntryId));
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            var tiedWithPrevious = i > 0 && row.Rank == rows[i - 1].Rank;
            if (!tiedWithPrevious && row.Rank != i + 1)
                throw new ArgumentException($"entry {row.EntryId} has rank {row.Rank} where competition ranking " +
                    $"gives {i + 1}", nameof(standings));
            if (tiedWithPrevious && row.ScoreMilli != rows[i - 1].ScoreMilli)
                throw new ArgumentException($"entries {rows[i - 1].EntryId} and {row.EntryId} share rank {row.Rank} " +
                    "with different scores", nameof(standings));
            if (i > 0 && !tiedWithPrevious && row.ScoreMilli >= rows[i - 1].ScoreMilli)
                throw new ArgumentException($"entry {row.EntryId} at rank {row.Rank} scores {row.ScoreMilli}, not " +
                    $"below {rows[i - 1].ScoreMilli} at rank {rows[i - 1].Rank}", nameof(standings));
        }
        return rows;
    }
}

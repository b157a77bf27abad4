using System.Globalization;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;

namespace ContestPipeline.Settlement.Domain;

/// <summary>
/// Seeded random contests checked against the prize rules, for the tests and for a
/// command-line run of many more cases. Case <c>i</c> of seed <c>s</c> is always the same
/// contest, so a failure is replayed with <see cref="RunCase"/>.
/// </summary>
/// <remarks>
/// Each case draws a prize table of any kind (custom and ranked tables of up to 2,000 places),
/// a rake or guaranteed pool, entry fees from 0 to about 10^15 minor units, 0 to 600 entries
/// and a tie pattern from "no ties" to "everyone tied", then checks: the pool and its
/// breakdown against an independent half-up formula; place amounts proportional to the
/// weights within a cent, leftovers to the best places; prizes that sum exactly to the pool;
/// no negative amount; a better rank never paid less than a worse one; tied entries within a
/// cent of each other, extra cents in entry id order, together paid exactly the places they
/// span; fee = half-up(gross × rate) and net = gross − fee; payout ids; and the same output
/// for the same input called twice and with the rows shuffled.
/// </remarks>
public static class PrizeSimulation
{
    /// <summary>The calculation under test: <see cref="PrizeCalculator.Calculate"/>, or a deliberately broken one to show that the checks catch it.</summary>
    public delegate PrizeDecision Calculation(string contestId, PrizeRules rules, Money entryFeesKept, IReadOnlyList<StandingRow> finalStandings);

    /// <summary>Cases a test run checks; a command-line run may ask for many more.</summary>
    public const int CasesDefault = 2_000;
    public const int EntriesMax = 600;
    public const int TablePlacesMax = 2_000;

    /// <summary>Runs cases 0 to <paramref name="cases"/> − 1 of <paramref name="seed"/>; returns the first failure, or null when all pass.</summary>
    public static string? Run(int seed, int cases, Calculation? calculate = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cases);
        for (var i = 0; i < cases; i++)
        {
            var failure = RunCase(seed, i, calculate);
            if (failure is not null) return failure;
        }
        return null;
    }

    /// <summary>Runs one case; returns its failure, naming the seed, the case and the contest, or null.</summary>
    public static string? RunCase(int seed, int caseIndex, Calculation? calculate = null)
    {
        SimulatedContest? contest = null;
        try
        {
            contest = Generate(seed, caseIndex);
            var failure = Check(contest, calculate);
            return failure is null ? null : Describe(seed, caseIndex, failure, contest);
        }
        catch (Exception ex)
        {
            return Describe(seed, caseIndex, "threw " + ex, contest);
        }
    }

    /// <summary>One generated contest: its rules, fees and final standings, best first.</summary>
    public sealed record SimulatedContest(string ContestId, PrizeRules Rules, Money EntryFeesKept, IReadOnlyList<StandingRow> Standings, int ShuffleSeed);

    public static SimulatedContest Generate(int seed, int caseIndex)
    {
        var random = new Random(unchecked(seed * 1_000_003 + caseIndex));
        var contestId = random.Next(4) == 0 ? $"sim:{seed}:{caseIndex}" : $"sim-{seed}-{caseIndex}";
        var rules = new PrizeRules(Currency.Usd, GenerateTable(random), GeneratePool(random), GenerateFeeBp(random));

        var entries = random.Next(50) == 0 ? 0
            : random.Next(4) switch
            {
                0 => random.Next(1, 6),
                1 => random.Next(1, 40),
                2 => random.Next(1, EntriesMax + 1),
                _ => Math.Clamp(rules.Table.PlaceWeights()!.Count + random.Next(-3, 4), 1, EntriesMax),
            };
        var fees = GenerateFees(random, entries);
        return new SimulatedContest(contestId, rules, new Money(fees, Currency.Usd), GenerateStandings(random, entries), random.Next());
    }

    private static PrizeTable GenerateTable(Random random)
    {
        switch (random.Next(5))
        {
            case 0: return new PrizeTable(PrizeTableKinds.WinnerTakesAll);
            case 1: return new PrizeTable(PrizeTableKinds.TopThreeEqual);
            case 2: return new PrizeTable(PrizeTableKinds.TopThreeWeighted);
            case 3: return new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: NonIncreasingBp(random, PlaceCount(random)).Select(w => (int)w).ToList());
            default:
            {
                var bp = NonIncreasingBp(random, PlaceCount(random));
                var rows = new List<PrizePlace>();
                for (var from = 0; from < bp.Length;)
                {
                    var to = from;
                    while (to + 1 < bp.Length && bp[to + 1] == bp[from]) to++;
                    rows.Add(new PrizePlace(from + 1, to + 1, (int)bp[from]));
                    from = to + 1;
                }
                // The table's rows may come in any order: PlaceWeights sorts them by place.
                if (random.Next(3) == 0) rows.Reverse();
                return new PrizeTable(PrizeTableKinds.Ranked, Places: rows);
            }
        }
    }

    private static int PlaceCount(Random random) => random.Next(4) switch
    {
        0 => random.Next(1, 6),
        1 => random.Next(1, 40),
        2 => random.Next(1, 400),
        _ => random.Next(1, TablePlacesMax + 1),
    };

    /// <summary>
    /// <paramref name="places"/> shares of 10,000 bp, each at least 1 and none above the one
    /// before; drawn from a small range now and then so that equal shares (ranked ranges) occur.
    /// </summary>
    private static long[] NonIncreasingBp(Random random, int places)
    {
        var range = random.Next(3) == 0 ? 3 : 1_000;
        var raw = Enumerable.Range(0, places).Select(_ => (long)random.Next(1, range + 1)).OrderDescending().ToArray();
        var spare = BasisPoints.Whole - places;
        var rawTotal = raw.Sum();
        var bp = raw.Select(r => 1 + spare * r / rawTotal).ToArray();
        var leftover = BasisPoints.Whole - bp.Sum();
        for (var i = 0; i < leftover; i++) bp[i]++;
        return bp;
    }

    private static PoolRule GeneratePool(Random random)
    {
        if (random.Next(3) == 0)
        {
            var guaranteed = random.Next(3) switch
            {
                0 => random.NextInt64(1, 11),
                1 => random.NextInt64(1, 1_000_001),
                _ => random.NextInt64(1, 1_000_000_001),
            };
            return new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: guaranteed);
        }
        var rakeBp = random.Next(4) switch { 0 => 0, 1 => ContestLimits.RakeBpMax, _ => random.Next(0, ContestLimits.RakeBpMax + 1) };
        return new PoolRule(PoolModes.Rake, RakeBp: rakeBp);
    }

    private static int GenerateFeeBp(Random random) => random.Next(6) switch
    {
        0 => 0,
        1 => 300,
        2 => BasisPoints.Whole,
        _ => random.Next(0, 2_001),
    };

    /// <summary>Entry fees: entries × a fee now and then, otherwise any magnitude from 0 to about 10^15.</summary>
    private static long GenerateFees(Random random, int entries)
    {
        if (random.Next(3) == 0) return entries * random.NextInt64(1, 1_000_001);
        var magnitude = random.Next(6) switch { 0 => 1L, 1 => 100L, 2 => 100_000L, 3 => 100_000_000L, 4 => 1_000_000_000_000L, _ => 1_000_000_000_000_000L };
        return magnitude >= 1_000_000_000_000L && random.Next(2) == 0
            ? magnitude - random.NextInt64(0, 1_000)
            : random.NextInt64(0, magnitude + 1);
    }

    /// <summary>
    /// Standings as Scoring makes them: higher score first, ties by entry id (ordinal), rank =
    /// 1 + the number of better scores. Entry ids mix cases and digits so that ordinal order
    /// differs from culture and numeric order.
    /// </summary>
    private static List<StandingRow> GenerateStandings(Random random, int entries)
    {
        const string alphabet = "aAbBzZ019_-";
        var scoreRange = random.Next(5) switch { 0 => 1L, 1 => 3L, 2 => Math.Max(1, entries / 3), 3 => Math.Max(1, entries), _ => 1_000_000_000L };
        var players = Math.Max(1, random.Next(1, entries + 1));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var scored = new List<(string EntryId, string PlayerId, long Score)>();
        while (scored.Count < entries)
        {
            var id = "entry_" + new string(Enumerable.Range(0, random.Next(1, 5)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            if (!ids.Add(id)) continue;
            scored.Add((id, $"plr_{random.Next(players)}", random.NextInt64(0, scoreRange) * 250 - 1_000));
        }

        scored.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.EntryId, b.EntryId));
        var rows = new List<StandingRow>(entries);
        for (var i = 0; i < scored.Count; i++)
        {
            var rank = i > 0 && scored[i].Score == scored[i - 1].Score ? rows[i - 1].Rank : i + 1;
            rows.Add(new StandingRow(rank, scored[i].EntryId, scored[i].PlayerId, scored[i].Score));
        }
        return rows;
    }

    /// <summary>Checks every property of one contest; returns what failed, or null.</summary>
    public static string? Check(SimulatedContest c, Calculation? calculate = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        calculate ??= PrizeCalculator.Calculate;
        var decision = calculate(c.ContestId, c.Rules, c.EntryFeesKept, c.Standings);
        var n = c.Standings.Count;
        if (n == 0)
            return decision is { Outcome: PrizeOutcome.NothingToSettle, Settlement: null } ? null : $"no entries gave {decision.Outcome}";
        if (decision.Outcome != PrizeOutcome.Settled || decision.Settlement is not { } s)
            return $"{n} entries gave {decision.Outcome}: {decision.Reason}";

        return CheckPool(c, s.Pool)
            ?? CheckPlaces(c, s)
            ?? CheckAwards(c, s)
            ?? CheckRanksAndTies(c, s)
            ?? CheckDeterminism(c, s, calculate);
    }

    private static string? CheckPool(SimulatedContest c, PoolBreakdown p)
    {
        var fees = c.EntryFeesKept.MinorUnits;
        var rule = c.Rules.Pool;
        long rake = 0, overlay = 0, house, pool;
        if (rule.Mode == PoolModes.Rake)
        {
            // Half-up for a non-negative amount, written independently of BasisPoints.
            rake = (long)(((Int128)fees * rule.RakeBp + BasisPoints.Whole / 2) / BasisPoints.Whole);
            house = rake;
            pool = fees - rake;
        }
        else
        {
            pool = rule.GuaranteedMinor;
            overlay = Math.Max(0, pool - fees);
            house = Math.Max(0, fees - pool);
        }
        var expected = $"fees {fees} rake {rake} overlay {overlay} house {house} pool {pool}";
        var actual = $"fees {p.EntryFeesKept.MinorUnits} rake {p.Rake.MinorUnits} overlay {p.Overlay.MinorUnits} house {p.HouseTake.MinorUnits} pool {p.Pool.MinorUnits}";
        return expected == actual ? null : $"pool: expected {expected}, got {actual}";
    }

    private static string? CheckPlaces(SimulatedContest c, PrizeSettlement s)
    {
        var weights = c.Rules.Table.PlaceWeights()!;
        var paid = Math.Min(weights.Count, c.Standings.Count);
        var pool = s.Pool.Pool.MinorUnits;
        if (s.PlaceAmounts.Count != paid) return $"{s.PlaceAmounts.Count} place amounts for {paid} paid places";
        if (s.PlacesInTable != weights.Count) return $"places in table {s.PlacesInTable}, expected {weights.Count}";

        Int128 weightTotal = 0;
        for (var i = 0; i < paid; i++) weightTotal += weights[i];
        Int128 sum = 0;
        var extraEnded = false;
        for (var i = 0; i < paid; i++)
        {
            var amount = s.PlaceAmounts[i].MinorUnits;
            var floor = (long)((Int128)pool * weights[i] / weightTotal);
            var extra = amount - floor;
            if (extra is < 0 or > 1) return $"place {i + 1} gets {amount}, proportional share is {floor} and a cent at most";
            if (extra == 1 && extraEnded) return $"place {i + 1} gets a leftover cent after a better place got none";
            if (extra == 0) extraEnded = true;
            if (i > 0 && amount > s.PlaceAmounts[i - 1].MinorUnits) return $"place {i + 1} gets {amount}, more than place {i}";
            sum += amount;
        }
        return sum == pool ? null : $"place amounts sum to {sum}, pool is {pool}";
    }

    private static string? CheckAwards(SimulatedContest c, PrizeSettlement s)
    {
        var bp = c.Rules.PlatformFeeBp;
        long gross = 0, fees = 0, nets = 0;
        var payoutIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in s.Awards)
        {
            var g = a.Gross.MinorUnits;
            if (g <= 0 || a.Fee.IsNegative || a.Net.IsNegative) return $"entry {a.EntryId}: gross {g}, fee {a.Fee.MinorUnits}, net {a.Net.MinorUnits}: an amount is negative or the prize is 0";
            var fee = (long)(((Int128)g * bp + BasisPoints.Whole / 2) / BasisPoints.Whole);
            if (a.Fee.MinorUnits != fee) return $"entry {a.EntryId}: fee on {g} at {bp} bp is {a.Fee.MinorUnits}, half-up gives {fee}";
            if (a.Net.MinorUnits != g - fee) return $"entry {a.EntryId}: net {a.Net.MinorUnits} is not {g} − {fee}";
            if (a.PayoutId != PayoutIds.For(c.ContestId, a.EntryId) || a.PayoutId.Length > 255 || !payoutIds.Add(a.PayoutId))
                return $"entry {a.EntryId}: payout id {a.PayoutId} is not its own, too long, or repeated";
            if (a.Gross.Currency != c.Rules.Currency) return $"entry {a.EntryId} is paid in {a.Gross.Currency}";
            gross += g;
            fees += fee;
            nets += g - fee;
        }
        var pool = s.Pool.Pool.MinorUnits;
        if (gross != pool || s.GrossTotal.MinorUnits != pool) return $"prizes sum to {gross} (total says {s.GrossTotal.MinorUnits}), pool is {pool}";
        if (s.FeeTotal.MinorUnits != fees || s.NetTotal.MinorUnits != nets) return $"totals: fee {s.FeeTotal.MinorUnits} net {s.NetTotal.MinorUnits}, awards give {fees} and {nets}";
        return null;
    }

    private static string? CheckRanksAndTies(SimulatedContest c, PrizeSettlement s)
    {
        var rows = c.Standings; // generated best first, ties by entry id
        var byEntry = new Dictionary<string, PrizeAward>(StringComparer.Ordinal);
        foreach (var a in s.Awards)
            if (!byEntry.TryAdd(a.EntryId, a)) return $"entry {a.EntryId} has two awards";
        var entryIds = rows.Select(r => r.EntryId).ToHashSet(StringComparer.Ordinal);
        if (byEntry.Keys.Any(id => !entryIds.Contains(id))) return "an award names an entry not in the standings";

        var expectedOrder = rows.Where(r => byEntry.ContainsKey(r.EntryId)).Select(r => r.EntryId);
        if (!expectedOrder.SequenceEqual(s.Awards.Select(a => a.EntryId), StringComparer.Ordinal))
            return "awards are not in rank order, then entry id order";

        var paid = s.PlaceAmounts.Count;
        long previousGroupMin = long.MaxValue;
        for (var start = 0; start < rows.Count;)
        {
            var end = start + 1;
            while (end < rows.Count && rows[end].Rank == rows[start].Rank) end++;
            var amounts = rows.Skip(start).Take(end - start).Select(r => byEntry.TryGetValue(r.EntryId, out var a) ? a.Gross.MinorUnits : 0).ToList();
            var rank = rows[start].Rank;

            long spanned = 0;
            for (var place = start; place < Math.Min(end, paid); place++) spanned += s.PlaceAmounts[place].MinorUnits;
            if (amounts.Sum() != spanned) return $"the {amounts.Count} entries at rank {rank} get {amounts.Sum()}, the places they span pay {spanned}";
            if (amounts.Max() - amounts.Min() > 1) return $"tied entries at rank {rank} get {string.Join(", ", amounts)}: more than a cent apart";
            for (var i = 1; i < amounts.Count; i++)
                if (amounts[i] > amounts[i - 1]) return $"at rank {rank}, {rows[start + i].EntryId} gets a leftover cent before {rows[start + i - 1].EntryId}";
            if (amounts.Max() > previousGroupMin) return $"rank {rank} gets {amounts.Max()}, more than the better rank before it ({previousGroupMin})";
            previousGroupMin = amounts.Min();

            foreach (var row in rows.Skip(start).Take(end - start))
                if (byEntry.TryGetValue(row.EntryId, out var a)
                    && (a.Rank != rank || a.TiedEntries != end - start || a.PlacesFrom != start + 1 || a.PlacesTo != Math.Min(end, paid) || a.PlayerId != row.PlayerId))
                    return $"award of {a.EntryId} says rank {a.Rank}, tied {a.TiedEntries}, places {a.PlacesFrom}-{a.PlacesTo}, player {a.PlayerId}";
            start = end;
        }
        return null;
    }

    private static string? CheckDeterminism(SimulatedContest c, PrizeSettlement s, Calculation calculate)
    {
        var first = Render(s);
        var again = calculate(c.ContestId, c.Rules, c.EntryFeesKept, c.Standings).Settlement;
        if (again is null || Render(again) != first) return "the same inputs gave a different settlement the second time";

        var shuffled = c.Standings.ToArray();
        new Random(c.ShuffleSeed).Shuffle(shuffled);
        var fromShuffled = calculate(c.ContestId, c.Rules, c.EntryFeesKept, shuffled).Settlement;
        return fromShuffled is not null && Render(fromShuffled) == first ? null : "standing rows in another order gave a different settlement";
    }

    /// <summary>Every field of a settlement as text, to compare two of them.</summary>
    public static string Render(PrizeSettlement s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"{s.ContestId}|{s.Pool}|{s.EntryCount}|{s.PlacesInTable}|{s.PlatformFee}|{s.GrossTotal}|{s.FeeTotal}|{s.NetTotal}|{s.Rule}\n");
        b.AppendJoin(',', s.PlaceAmounts.Select(a => a.MinorUnits)).Append('\n');
        foreach (var a in s.Awards) b.Append(a).Append('\n');
        return b.ToString();
    }

    private static string Describe(int seed, int caseIndex, string failure, SimulatedContest? c)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"prize simulation seed {seed}, case {caseIndex}: {failure}\n");
        b.Append(CultureInfo.InvariantCulture, $"  replay: PrizeSimulation.RunCase({seed}, {caseIndex})\n");
        if (c is null) return b.ToString();
        var weights = c.Rules.Table.PlaceWeights();
        b.Append(CultureInfo.InvariantCulture, $"  contest {c.ContestId}: table {c.Rules.Table.Kind} [{Shorten(weights?.Select(w => w.ToString(CultureInfo.InvariantCulture)))}], ");
        b.Append(CultureInfo.InvariantCulture, $"pool {c.Rules.Pool}, fee {c.Rules.PlatformFeeBp} bp, fees kept {c.EntryFeesKept.MinorUnits}, {c.Standings.Count} entries\n");
        b.Append(CultureInfo.InvariantCulture, $"  standings: {Shorten(c.Standings.Select(r => $"{r.Rank} {r.EntryId} {r.ScoreMilli}"))}\n");
        return b.ToString();
    }

    private static string Shorten(IEnumerable<string>? items)
    {
        if (items is null) return "none";
        var list = items.Take(31).ToList();
        return string.Join(", ", list.Take(30)) + (list.Count > 30 ? ", ..." : "");
    }
}

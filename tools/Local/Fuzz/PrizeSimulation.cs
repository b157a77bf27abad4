using System.Globalization;
using System.Text;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Local.Fuzz;

/// <summary>
/// Seeded random contests checked against the prize rules, for the tests and for a
/// command-line run of many more cases. Case <c>i</c> of seed <c>s</c> is always the same
/// contest, so a failure is replayed with <see cref="RunCase"/>.
/// </summary>
/// <remarks>
/// <para>Each case draws a prize table of any kind (custom and ranked tables of up to 2,000
/// places; ranked shares in basis points or parts per billion; fixed amounts on a guaranteed
/// pool of exactly their total), a rake or guaranteed pool, entry fees from 0 to about 10^15
/// minor units, 0 to 600 entries and a tie pattern from "no ties" to "everyone tied". A
/// <em>large</em> case draws a table shaped like a big tournament's (a few top places, then
/// ranges widening down to a minimum cash) of 10,000 to <see cref="ContestLimits.PaidPlacesMax"/>
/// places in up to <see cref="ContestLimits.PrizeTableRowsMax"/> rows, and up to
/// <see cref="LargeEntriesMax"/> entries, fewer or more than the paid places.</para>
/// <para>Then it checks: the pool and its breakdown against an independent half-up formula (for
/// fixed amounts, the pool is the filled places' amounts and the rest of the guarantee is
/// unfilled); place amounts proportional to the weights within a cent, leftovers to the best
/// places, or exactly the published amounts; place amounts kept as ranges, no more than the
/// table's rows and one; prizes that sum exactly to the pool; no negative amount; a better rank
/// never paid less than a worse one; tied entries within a cent of each other, extra cents in
/// entry id order, together paid exactly the places they span; fee = half-up(gross × rate) and
/// net = gross − fee; payout ids; and the same output for the same input called twice and with
/// the rows shuffled. Every check reads the table as the contract writes it, independently of
/// <see cref="PrizeRules.Places"/>.</para>
/// </remarks>
public static class PrizeSimulation
{
    /// <summary>The calculation under test: <see cref="PrizeCalculator.Calculate"/>, or a deliberately broken one to
    /// show that the checks catch it.</summary>
    public delegate PrizeDecision Calculation(string contestId, PrizeRules rules, Money entryFeesKept,
        IReadOnlyList<StandingRow> finalStandings);

    /// <summary>Cases a test run checks; a command-line run may ask for many more.</summary>
    public const int CasesDefault = 2_000;
    public const int EntriesMax = 600;
    public const int TablePlacesMax = 2_000;
    /// <summary>Entries of a large case: more than the most places a table pays, so tables are both over- and
    /// under-filled.</summary>
    public const int LargeEntriesMax = 250_000;

    /// <summary>Runs cases 0 to <paramref name="cases"/> − 1 of <paramref name="seed"/>; returns the first failure, or
    /// null when all pass.</summary>
    public static string? Run(int seed, int cases, Calculation? calculate = null, bool large = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cases);
        for (var i = 0; i < cases; i++)
        {
            var failure = RunCase(seed, i, calculate, large);
            if (failure is not null) return failure;
        }
        return null;
    }

    /// <summary>Runs one case; returns its failure, naming the seed, the case and the contest, or null.</summary>
    public static string? RunCase(int seed, int caseIndex, Calculation? calculate = null, bool large = false)
    {
        SimulatedContest? contest = null;
        try
        {
            contest = Generate(seed, caseIndex, large);
            var failure = Check(contest, calculate);
            return failure is null ? null : Describe(seed, caseIndex, large, failure, contest);
        }
        catch (Exception ex)
        {
            return Describe(seed, caseIndex, large, "threw " + ex, contest);
        }
    }

    /// <summary>One generated contest: its rules, fees and final standings, best first.</summary>
    public sealed record SimulatedContest(string ContestId, PrizeRules Rules, Money EntryFeesKept,
        IReadOnlyList<StandingRow> Standings, int ShuffleSeed);

    public static SimulatedContest Generate(int seed, int caseIndex, bool large = false)
    {
        // A large case of a seed is another contest than the ordinary case of the same number.
        var random = new Random(unchecked(seed * 1_000_003 + caseIndex) ^ (large ? 0x1A26E : 0));
        var contestId = random.Next(4) == 0 ? $"sim:{seed}:{caseIndex}" : $"sim-{seed}-{caseIndex}";
        var (table, pool) = large ? GenerateLargeTable(random) : GenerateTable(random);
        var rules = new PrizeRules(Currency.Usd, table, pool, GenerateFeeBp(random));
        var places = TablePlaces(table);

        int entries;
        if (large)
            entries = random.Next(5) switch
            {
                0 => random.Next(1, places + 1),
                1 => places,
                2 => Math.Clamp(places + random.Next(-5, 6), 1, LargeEntriesMax),
                3 => Math.Min(LargeEntriesMax, places + random.Next(0, places / 2 + 1)),
                _ => random.Next(1, LargeEntriesMax + 1),
            };
        else
            entries = random.Next(50) == 0 ? 0
                : random.Next(4) switch
                {
                    0 => random.Next(1, 6),
                    1 => random.Next(1, 40),
                    2 => random.Next(1, EntriesMax + 1),
                    _ => Math.Clamp(places + random.Next(-3, 4), 1, EntriesMax),
                };
        var fees = GenerateFees(random, entries);
        return new SimulatedContest(contestId, rules, new Money(fees, Currency.Usd),
            GenerateStandings(random, entries, large), random.Next());
    }

    private static (PrizeTable, PoolRule) GenerateTable(Random random)
    {
        switch (random.Next(7))
        {
            case 0: return (new PrizeTable(PrizeTableKinds.WinnerTakesAll), GeneratePool(random));
            case 1: return (new PrizeTable(PrizeTableKinds.TopThreeEqual), GeneratePool(random));
            case 2: return (new PrizeTable(PrizeTableKinds.TopThreeWeighted), GeneratePool(random));
            case 3:
            {
                var count = PlaceCount(random);
                var bp = Scale(RowsOfOne(count), NonIncreasing(random, count, 1_000), BasisPoints.Whole);
                return (new PrizeTable(PrizeTableKinds.CustomPercentages,
                    PercentagesBp: [.. bp.SelectMany(r => Enumerable.Repeat((int)r.Value, r.Places))]),
                    GeneratePool(random));
            }
            case 4: return (Ranked(random, Rows(random, PlaceCount(random), large: false), BasisPoints.Whole),
                GeneratePool(random));
            case 5: return (Ranked(random, Rows(random, PlaceCount(random), large: false), PrizePlace.SharePpbWhole),
                GeneratePool(random));
            default: return FixedAmounts(random, Rows(random, PlaceCount(random), large: false));
        }
    }

    /// <summary>A big tournament's table: ranked shares (basis points only up to 10,000 places, parts per billion
    /// beyond) or fixed amounts.</summary>
    private static (PrizeTable, PoolRule) GenerateLargeTable(Random random)
    {
        var places = random.Next(4) switch
        {
            0 => random.Next(10_000, 75_501),
            1 => 75_500,
            2 => random.Next(75_500, ContestLimits.PaidPlacesMax + 1),
            _ => ContestLimits.PaidPlacesMax,
        };
        return random.Next(5) switch
        {
            // Basis points cannot pay more than 10,000 places, and only flat at that.
            0 => (Ranked(random, Rows(random, random.Next(1_000, BasisPoints.Whole + 1), large: true),
                BasisPoints.Whole), GeneratePool(random)),
            1 or 2 => (Ranked(random, Rows(random, places, large: true), PrizePlace.SharePpbWhole),
                GeneratePool(random)),
            _ => FixedAmounts(random, Rows(random, places, large: true)),
        };
    }

    private static int PlaceCount(Random random) => random.Next(4) switch
    {
        0 => random.Next(1, 6),
        1 => random.Next(1, 40),
        2 => random.Next(1, 400),
        _ => random.Next(1, TablePlacesMax + 1),
    };

    /// <summary>One row per place.</summary>
    private static List<(int From, int To)> RowsOfOne(int places) =>
        [.. Enumerable.Range(1, places).Select(p => (p, p))];

    /// <summary>
    /// Rows over <paramref name="places"/> places, from place 1 with no gap. Large: a few single
    /// top places, then ranges that widen by 10 % to 100 % each, as tournaments publish them; or
    /// now and then many short rows up to the row bound, or one row for every place. Small:
    /// ranges of 1 to 5 places. One row is left spare for <see cref="Scale"/> to split.
    /// </summary>
    private static List<(int From, int To)> Rows(Random random, int places, bool large)
    {
        var rowsMax = ContestLimits.PrizeTableRowsMax - 1;
        var shape = large ? random.Next(6) : 5;
        var rows = new List<(int, int)>();
        if (large && shape == 0) return [(1, places)];
        var next = 1;
        var singles = large ? random.Next(1, 16) : 0;
        double width = 1;
        while (next <= places)
        {
            int length;
            if (!large) length = random.Next(3) == 0 ? random.Next(1, 6) : 1;
            else if (shape == 1) length = random.Next(1, 31);
            else if (rows.Count < singles) length = 1;
            else
            {
                width *= 1.1 + random.NextDouble() * 0.9;
                length = (int)Math.Min(width, places);
            }
            if (rows.Count == rowsMax - 1) length = places - next + 1;
            var to = (int)Math.Min((long)next + length - 1, places);
            rows.Add((next, to));
            next = to + 1;
        }
        return rows;
    }

    /// <summary><paramref name="count"/> values of at least 1, none above the one before, drawn from 1 to
    /// <paramref name="range"/>; equal neighbours now and then.</summary>
    private static long[] NonIncreasing(Random random, int count, long range)
    {
        if (random.Next(3) == 0) range = 3;
        return [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(1, range + 1)).OrderDescending()];
    }

    /// <summary>
    /// Shares over <paramref name="rows"/> that total exactly <paramref name="whole"/>: each place
    /// gets 1 and the rest in proportion to <paramref name="raw"/> (non-increasing), floored; the
    /// leftover, fewer than the places, goes one each to the first places, which may cut a row in two.
    /// </summary>
    private static List<PlaceRun> Scale(List<(int From, int To)> rows, long[] raw, long whole)
    {
        var places = rows[^1].To;
        var spare = whole - places;
        Int128 rawTotal = 0;
        for (var i = 0; i < rows.Count; i++) rawTotal += (Int128)(rows[i].To - rows[i].From + 1) * raw[i];
        var runs = new List<PlaceRun>();
        long assigned = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var value = 1 + (long)(spare * (Int128)raw[i] / rawTotal);
            runs.Add(new PlaceRun(rows[i].From, rows[i].To, value));
            assigned += value * (rows[i].To - rows[i].From + 1);
        }
        var leftover = (int)(whole - assigned);
        if (leftover == 0) return runs;
        var cut = new List<PlaceRun>();
        foreach (var r in runs)
        {
            if (r.To <= leftover) cut.Add(r with { Value = r.Value + 1 });
            else if (r.From > leftover) cut.Add(r);
            else
            {
                cut.Add(new PlaceRun(r.From, leftover, r.Value + 1));
                cut.Add(new PlaceRun(leftover + 1, r.To, r.Value));
            }
        }
        return cut;
    }

    /// <summary>A ranked table in basis points (<paramref name="whole"/> 10,000) or parts per billion; its rows now and
    /// then out of order.</summary>
    private static PrizeTable Ranked(Random random, List<(int From, int To)> rows, long whole)
    {
        var shares = Scale(rows, NonIncreasing(random, rows.Count, 1_000_000), whole);
        var places = shares.Select(r => whole == BasisPoints.Whole
            ? new PrizePlace(r.From, r.To, (int)r.Value)
            : new PrizePlace(r.From, r.To, 0, (int)r.Value)).ToList();
        // Rows may come in any order: Settlement reads them by place (Ingestion refuses it, but a table is paid as
        // written or not at all).
        if (random.Next(3) == 0) places.Reverse();
        return new PrizeTable(PrizeTableKinds.Ranked, Places: places);
    }

    /// <summary>
    /// Fixed amounts on a guaranteed pool of exactly their total: a minimum cash of 0.01 to
    /// 50.00 at the bottom, each row above 0 % to 150 % more than the one below it, up to 10^10.
    /// </summary>
    private static (PrizeTable, PoolRule) FixedAmounts(Random random, List<(int From, int To)> rows)
    {
        var amounts = new long[rows.Count];
        var amount = random.Next(3) == 0 ? random.NextInt64(1, 10) : random.NextInt64(1, 5_001);
        var flat = random.Next(4) == 0;
        for (var i = rows.Count - 1; i >= 0; i--)
        {
            amounts[i] = amount;
            if (!flat)
                amount = Math.Min(10_000_000_000L, amount + amount * random.Next(0, 151) / 100 + random.Next(0, 2));
        }
        var table = rows.Select((r, i) => new PrizeAmount(r.From, r.To, amounts[i])).ToList();
        var guarantee = table.Sum(r => (long)(r.To - r.From + 1) * r.AmountMinor);
        return (new PrizeTable(PrizeTableKinds.FixedAmounts, Amounts: table),
            new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: guarantee));
    }

    /// <summary>
    /// A big guaranteed tournament's lobby, for measurements: 1st 1,000,000.00, 2nd 500,000.00
    /// ... 31st-40,000th widening ranges from 1,500.00 down to 42.50, and a minimum cash of
    /// <paramref name="minCashMinor"/> for places 40,001 to <paramref name="paidPlaces"/>
    /// (75,500 places at 40.00 total 5,810,000.00; 200,000 at 35.00 total 9,990,000.00).
    /// </summary>
    public static (PrizeTable Table, PoolRule Pool) Tournament(int paidPlaces, long minCashMinor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(paidPlaces, 40_000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minCashMinor, 4_250);
        List<PrizeAmount> rows =
        [
            new(1, 1, 100_000_000), new(2, 2, 50_000_000), new(3, 3, 25_000_000), new(4, 4, 10_000_000),
            new(5, 5, 7_500_000), new(6, 6, 5_000_000), new(7, 7, 4_000_000), new(8, 8, 3_000_000),
            new(9, 9, 2_000_000), new(10, 10, 1_000_000), new(11, 15, 500_000), new(16, 20, 300_000),
            new(21, 30, 200_000), new(31, 40, 150_000), new(41, 50, 100_000), new(51, 75, 75_000), new(76, 100, 50_000),
            new(101, 150, 40_000), new(151, 200, 30_000), new(201, 300, 25_000), new(301, 400, 20_000),
            new(401, 500, 17_500), new(501, 750, 15_000), new(751, 1_000, 12_500), new(1_001, 1_500, 10_000),
            new(1_501, 2_000, 9_000), new(2_001, 3_000, 8_000), new(3_001, 4_000, 7_500), new(4_001, 5_000, 7_000),
            new(5_001, 7_500, 6_500), new(7_501, 10_000, 6_000), new(10_001, 15_000, 5_500), new(15_001, 20_000, 5_000),
            new(20_001, 30_000, 4_500),
            new(30_001, 40_000, 4_250), new(40_001, paidPlaces, minCashMinor),
        ];
        var guarantee = rows.Sum(r => (long)(r.To - r.From + 1) * r.AmountMinor);
        return (new PrizeTable(PrizeTableKinds.FixedAmounts, Amounts: rows),
            new PoolRule(PoolModes.Guaranteed, GuaranteedMinor: guarantee));
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
        var rakeBp = random.Next(4) switch { 0 => 0, 1 => ContestLimits.RakeBpMax,
            _ => random.Next(0, ContestLimits.RakeBpMax + 1) };
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
        var magnitude = random.Next(6) switch { 0 => 1L, 1 => 100L, 2 => 100_000L, 3 => 100_000_000L,
            4 => 1_000_000_000_000L, _ => 1_000_000_000_000_000L };
        return magnitude >= 1_000_000_000_000L && random.Next(2) == 0
            ? magnitude - random.NextInt64(0, 1_000)
            : random.NextInt64(0, magnitude + 1);
    }

    /// <summary>
    /// Standings as Scoring makes them: higher score first, ties by entry id (ordinal), rank =
    /// 1 + the number of better scores. Entry ids mix cases and digits so that ordinal order
    /// differs from culture and numeric order; a large case's ids end in the entry's number in
    /// hex after two random characters, so they are unique without a search. Large cases also
    /// draw groups of about 50 tied entries, which straddle range boundaries everywhere.
    /// </summary>
    private static List<StandingRow> GenerateStandings(Random random, int entries, bool large)
    {
        const string alphabet = "aAbBzZ019_-";
        var scoreRange = random.Next(large ? 6 : 5) switch
        {
            0 => 1L,
            1 => 3L,
            2 => Math.Max(1, entries / 3),
            3 => Math.Max(1, entries),
            4 => 1_000_000_000L,
            _ => Math.Max(1, entries / 50),
        };
        var players = Math.Max(1, random.Next(1, entries + 1));
        var scored = new List<(string EntryId, string PlayerId, long Score)>(entries);
        if (large)
        {
            for (var i = 0; i < entries; i++)
            {
                var id = string.Create(CultureInfo.InvariantCulture,
                    $"entry_{alphabet[random.Next(alphabet.Length)]}{alphabet[random.Next(alphabet.Length)]}{i:x}");
                scored.Add((id, $"plr_{random.Next(players)}", random.NextInt64(0, scoreRange) * 250 - 1_000));
            }
        }
        else
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            while (scored.Count < entries)
            {
                var id = "entry_" + new string(Enumerable.Range(0, random.Next(1, 5))
                    .Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
                if (!ids.Add(id)) continue;
                scored.Add((id, $"plr_{random.Next(players)}", random.NextInt64(0, scoreRange) * 250 - 1_000));
            }
        }

        scored.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score)
            : string.CompareOrdinal(a.EntryId, b.EntryId));
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
            return decision is { Outcome: PrizeOutcome.NothingToSettle, Settlement: null }
                ? null : $"no entries gave {decision.Outcome}";
        if (decision.Outcome != PrizeOutcome.Settled || decision.Settlement is not { } s)
            return $"{n} entries gave {decision.Outcome}: {decision.Reason}";

        var table = Expected(c.Rules.Table);
        var amounts = s.PlaceAmounts.Select(a => a.MinorUnits).ToArray();
        return CheckPool(c, table, s.Pool)
            ?? CheckPlaces(c, table, s, amounts)
            ?? CheckAwards(c, s)
            ?? CheckRanksAndTies(c, s, amounts)
            ?? CheckDeterminism(c, s, calculate);
    }

    /// <summary>A table as the contract writes it: each place's value, best first, whether they are fixed amounts, and
    /// its rows.</summary>
    private sealed record ExpectedTable(long[] PlaceValues, bool FixedAmounts, int Rows);

    /// <summary>The contract's table read place by place, written apart from <see cref="PrizeRules.Places"/> so that a
    /// mistake there shows here.</summary>
    private static ExpectedTable Expected(PrizeTable t)
    {
        switch (t.Kind)
        {
            case PrizeTableKinds.WinnerTakesAll: return new([1], false, 1);
            case PrizeTableKinds.TopThreeEqual: return new([1, 1, 1], false, 1);
            case PrizeTableKinds.TopThreeWeighted: return new([5_000, 3_000, 2_000], false, 3);
            case PrizeTableKinds.CustomPercentages: return new([.. t.PercentagesBp!.Select(p => (long)p)], false,
                t.PercentagesBp!.Count);
            case PrizeTableKinds.Ranked:
            {
                var rows = t.Places!;
                var values = new long[rows.Max(r => r.To)];
                foreach (var r in rows)
                    for (var p = r.From; p <= r.To; p++) values[p - 1] = r.ShareBp != 0 ? r.ShareBp : r.SharePpb;
                return new(values, false, rows.Count);
            }
            case PrizeTableKinds.FixedAmounts:
            {
                var rows = t.Amounts!;
                var values = new long[rows.Max(r => r.To)];
                foreach (var r in rows)
                    for (var p = r.From; p <= r.To; p++) values[p - 1] = r.AmountMinor;
                return new(values, true, rows.Count);
            }
            default: throw new ArgumentException($"the simulation makes no table of kind {t.Kind}", nameof(t));
        }
    }

    private static int TablePlaces(PrizeTable t) => Expected(t).PlaceValues.Length;

    private static string? CheckPool(SimulatedContest c, ExpectedTable t, PoolBreakdown p)
    {
        var fees = c.EntryFeesKept.MinorUnits;
        var rule = c.Rules.Pool;
        long rake = 0, overlay = 0, unfilled = 0, house, pool;
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
            if (t.FixedAmounts)
            {
                // The places beyond the last entry are not paid, and the platform never puts them in.
                pool = t.PlaceValues.Take(c.Standings.Count).Sum();
                unfilled = rule.GuaranteedMinor - pool;
            }
            overlay = Math.Max(0, pool - fees);
            house = Math.Max(0, fees - pool);
        }
        var expected = $"fees {fees} rake {rake} overlay {overlay} house {house} pool {pool} unfilled {unfilled}";
        var actual = $"fees {p.EntryFeesKept.MinorUnits} rake {p.Rake.MinorUnits} overlay {p.Overlay.MinorUnits} "
            + $"house {p.HouseTake.MinorUnits} pool {p.Pool.MinorUnits} unfilled {p.Unfilled.MinorUnits}";
        return expected == actual ? null : $"pool: expected {expected}, got {actual}";
    }

    private static string? CheckPlaces(SimulatedContest c, ExpectedTable t, PrizeSettlement s, long[] amounts)
    {
        var values = t.PlaceValues;
        var paid = Math.Min(values.Length, c.Standings.Count);
        var pool = s.Pool.Pool.MinorUnits;
        if (amounts.Length != paid) return $"{amounts.Length} place amounts for {paid} paid places";
        if (s.PlacesInTable != values.Length) return $"places in table {s.PlacesInTable}, expected {values.Length}";
        // Ranges, not places: one per table row, and one more where the leftover cents end.
        if (s.PlaceRanges.Count > t.Rows + 1) return $"{s.PlaceRanges.Count} place ranges for a table of {t.Rows} rows";

        Int128 weightTotal = 0;
        for (var i = 0; i < paid; i++) weightTotal += values[i];
        Int128 sum = 0;
        var extraEnded = false;
        for (var i = 0; i < paid; i++)
        {
            var amount = amounts[i];
            if (t.FixedAmounts)
            {
                if (amount != values[i]) return $"place {i + 1} gets {amount}, its published amount is {values[i]}";
            }
            else
            {
                var floor = (long)((Int128)pool * values[i] / weightTotal);
                var extra = amount - floor;
                if (extra is < 0 or > 1)
                    return $"place {i + 1} gets {amount}, proportional share is {floor} and a cent at most";
                if (extra == 1 && extraEnded)
                    return $"place {i + 1} gets a leftover cent after a better place got none";
                if (extra == 0) extraEnded = true;
            }
            if (i > 0 && amount > amounts[i - 1]) return $"place {i + 1} gets {amount}, more than place {i}";
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
            if (g <= 0 || a.Fee.IsNegative || a.Net.IsNegative)
                return $"entry {a.EntryId}: gross {g}, fee {a.Fee.MinorUnits}, net {a.Net.MinorUnits}: "
                    + $"an amount is negative or the prize is 0";
            var fee = (long)(((Int128)g * bp + BasisPoints.Whole / 2) / BasisPoints.Whole);
            if (a.Fee.MinorUnits != fee)
                return $"entry {a.EntryId}: fee on {g} at {bp} bp is {a.Fee.MinorUnits}, half-up gives {fee}";
            if (a.Net.MinorUnits != g - fee) return $"entry {a.EntryId}: net {a.Net.MinorUnits} is not {g} − {fee}";
            if (a.PayoutId != PayoutIds.For(c.ContestId, a.EntryId) || a.PayoutId.Length > 255
                || !payoutIds.Add(a.PayoutId))
                return $"entry {a.EntryId}: payout id {a.PayoutId} is not its own, too long, or repeated";
            if (a.Gross.Currency != c.Rules.Currency) return $"entry {a.EntryId} is paid in {a.Gross.Currency}";
            gross += g;
            fees += fee;
            nets += g - fee;
        }
        var pool = s.Pool.Pool.MinorUnits;
        if (gross != pool || s.GrossTotal.MinorUnits != pool)
            return $"prizes sum to {gross} (total says {s.GrossTotal.MinorUnits}), pool is {pool}";
        if (s.FeeTotal.MinorUnits != fees || s.NetTotal.MinorUnits != nets)
            return $"totals: fee {s.FeeTotal.MinorUnits} net {s.NetTotal.MinorUnits}, awards give {fees} and {nets}";
        return null;
    }

    private static string? CheckRanksAndTies(SimulatedContest c, PrizeSettlement s, long[] placeAmounts)
    {
        var rows = c.Standings; // generated best first, ties by entry id
        var byEntry = new Dictionary<string, PrizeAward>(s.Awards.Count, StringComparer.Ordinal);
        foreach (var a in s.Awards)
            if (!byEntry.TryAdd(a.EntryId, a)) return $"entry {a.EntryId} has two awards";
        var entryIds = rows.Select(r => r.EntryId).ToHashSet(StringComparer.Ordinal);
        if (byEntry.Keys.Any(id => !entryIds.Contains(id))) return "an award names an entry not in the standings";

        var expectedOrder = rows.Where(r => byEntry.ContainsKey(r.EntryId)).Select(r => r.EntryId);
        if (!expectedOrder.SequenceEqual(s.Awards.Select(a => a.EntryId), StringComparer.Ordinal))
            return "awards are not in rank order, then entry id order";

        var paid = placeAmounts.Length;
        long previousGroupMin = long.MaxValue;
        for (var start = 0; start < rows.Count;)
        {
            var end = start + 1;
            while (end < rows.Count && rows[end].Rank == rows[start].Rank) end++;
            var rank = rows[start].Rank;
            long sum = 0, max = long.MinValue, min = long.MaxValue, before = long.MaxValue;
            for (var i = start; i < end; i++)
            {
                var amount = byEntry.TryGetValue(rows[i].EntryId, out var a) ? a.Gross.MinorUnits : 0;
                if (amount > before)
                    return $"at rank {rank}, {rows[i].EntryId} gets a leftover cent before {rows[i - 1].EntryId}";
                before = amount;
                sum += amount;
                max = Math.Max(max, amount);
                min = Math.Min(min, amount);
                if (a is not null && (a.Rank != rank || a.TiedEntries != end - start || a.PlacesFrom != start + 1
                    || a.PlacesTo != Math.Min(end, paid) || a.PlayerId != rows[i].PlayerId))
                    return $"award of {a.EntryId} says rank {a.Rank}, tied {a.TiedEntries}, "
                        + $"places {a.PlacesFrom}-{a.PlacesTo}, player {a.PlayerId}";
            }

            long spanned = 0;
            for (var place = start; place < Math.Min(end, paid); place++) spanned += placeAmounts[place];
            if (sum != spanned)
                return $"the {end - start} entries at rank {rank} get {sum}, the places they span pay {spanned}";
            if (max - min > 1) return $"tied entries at rank {rank} get from {min} to {max}: more than a cent apart";
            if (max > previousGroupMin)
                return $"rank {rank} gets {max}, more than the better rank before it ({previousGroupMin})";
            previousGroupMin = min;
            start = end;
        }
        return null;
    }

    private static string? CheckDeterminism(SimulatedContest c, PrizeSettlement s, Calculation calculate)
    {
        var again = calculate(c.ContestId, c.Rules, c.EntryFeesKept, c.Standings).Settlement;
        if (again is null || !Same(s, again)) return "the same inputs gave a different settlement the second time";

        var shuffled = c.Standings.ToArray();
        new Random(c.ShuffleSeed).Shuffle(shuffled);
        var fromShuffled = calculate(c.ContestId, c.Rules, c.EntryFeesKept, shuffled).Settlement;
        return fromShuffled is not null && Same(s, fromShuffled)
            ? null : "standing rows in another order gave a different settlement";
    }

    /// <summary>Every field of two settlements equal, lists element by element.</summary>
    public static bool Same(PrizeSettlement a, PrizeSettlement b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.ContestId == b.ContestId && a.Pool == b.Pool && a.EntryCount == b.EntryCount
            && a.PlacesInTable == b.PlacesInTable && a.PlatformFee == b.PlatformFee && a.GrossTotal == b.GrossTotal
            && a.FeeTotal == b.FeeTotal && a.NetTotal == b.NetTotal
            && a.Rule == b.Rule && a.PlaceRanges.SequenceEqual(b.PlaceRanges) && a.Awards.SequenceEqual(b.Awards);
    }

    private static string Describe(int seed, int caseIndex, bool large, string failure, SimulatedContest? c)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture,
            $"prize simulation seed {seed}, case {caseIndex}{(large ? " (large)" : "")}: {failure}\n");
        b.Append(CultureInfo.InvariantCulture,
            $"  replay: PrizeSimulation.RunCase({seed}, {caseIndex}{(large ? ", large: true" : "")})\n");
        if (c is null) return b.ToString();
        var t = c.Rules.Table;
        IEnumerable<string>? rows = t.Kind switch
        {
            PrizeTableKinds.CustomPercentages => t.PercentagesBp?.Select(p => p.ToString(CultureInfo.InvariantCulture)),
            PrizeTableKinds.Ranked => t.Places?.Select(p => string.Create(CultureInfo.InvariantCulture,
                $"{p.From}-{p.To}: {(p.SharePpb != 0 ? $"{p.SharePpb} ppb" : $"{p.ShareBp} bp")}")),
            PrizeTableKinds.FixedAmounts => t.Amounts?.Select(a => string.Create(CultureInfo.InvariantCulture,
                $"{a.From}-{a.To}: {a.AmountMinor}")),
            _ => [],
        };
        b.Append(CultureInfo.InvariantCulture, $"  contest {c.ContestId}: table {t.Kind} [{Shorten(rows)}], ");
        b.Append(CultureInfo.InvariantCulture, $"pool {c.Rules.Pool}, fee {c.Rules.PlatformFeeBp} bp, "
            + $"fees kept {c.EntryFeesKept.MinorUnits}, {c.Standings.Count} entries\n");
        b.Append(CultureInfo.InvariantCulture,
            $"  standings: {Shorten(c.Standings.Select(r => $"{r.Rank} {r.EntryId} {r.ScoreMilli}"))}\n");
        return b.ToString();
    }

    private static string Shorten(IEnumerable<string>? items)
    {
        if (items is null) return "none";
        var list = items.Take(31).ToList();
        return string.Join(", ", list.Take(30)) + (list.Count > 30 ? ", ..." : "");
    }
}

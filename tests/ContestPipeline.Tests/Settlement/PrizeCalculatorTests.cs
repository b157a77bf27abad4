using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// One row per case, each with its exact cents worked out by hand in the comment beside it.
/// Standings are written "rank entry, rank entry, ..."; expected awards "entry gross/fee/net"
/// in payout order (best rank first, then entry id).
/// </summary>
public sealed class PrizeCalculatorTests
{
    private static readonly PrizeTable Wta = new(PrizeTableKinds.WinnerTakesAll);
    private static readonly PrizeTable TopThreeEqual = new(PrizeTableKinds.TopThreeEqual);
    private static readonly PrizeTable FiftyThirtyTwenty = new(PrizeTableKinds.TopThreeWeighted);
    private static readonly PrizeTable Custom603025 =
        new(PrizeTableKinds.CustomPercentages, PercentagesBp: [6_000, 2_500, 1_500]);
    /// <summary>1st 30%, 2nd 20%, 3rd-5th 10% each, 6th-10th 4% each.</summary>
    private static readonly PrizeTable Dfs = new(PrizeTableKinds.Ranked, Places:
        [new PrizePlace(1, 1, 3_000), new PrizePlace(2, 2, 2_000), new PrizePlace(3, 5, 1_000),
            new PrizePlace(6, 10, 400)]);

    /// <summary>A guaranteed lobby of 26.00: 1st 10.00, 2nd 5.00, 3rd-5th 2.00 each, 6th-10th 1.00 each.</summary>
    private static readonly PrizeTable Lobby = new(PrizeTableKinds.FixedAmounts, Amounts:
        [new PrizeAmount(1, 1, 1_000), new PrizeAmount(2, 2, 500), new PrizeAmount(3, 5, 200),
            new PrizeAmount(6, 10, 100)]);
    /// <summary>1st 50%, 2nd-3rd 20% each, 4th-5th 5% each, in parts per billion.</summary>
    private static readonly PrizeTable Ppb = new(PrizeTableKinds.Ranked, Places:
        [new PrizePlace(1, 1, 0, 500_000_000), new PrizePlace(2, 3, 0, 200_000_000),
            new PrizePlace(4, 5, 0, 50_000_000)]);

    private static PoolRule Rake(int bp) => new(PoolModes.Rake, RakeBp: bp);
    private static PoolRule Guaranteed(long minor) => new(PoolModes.Guaranteed, GuaranteedMinor: minor);

    public static TheoryData<string, PrizeTable, PoolRule, long, int, string, long, string> Examples() =>
        ExampleRows.Of(SharesAndTies(), RoundingAndExtremes(), FixedAmountsAndPartsPerBillion());

    /// <summary>Rows of <see cref="Examples"/>; all of them, in the order of their parts.</summary>
    private sealed class ExampleRows : TheoryData<string, PrizeTable, PoolRule, long, int, string, long, string>
    {
        public static ExampleRows Of(params ExampleRows[] parts)
        {
            var all = new ExampleRows();
            foreach (var part in parts) all.AddRows(part);
            return all;
        }
    }

    /// <summary>Each kind of table, its leftover cents, ties, and fewer entries than places.</summary>
    private static ExampleRows SharesAndTies() => new()
    {
        // 10 entries × 10.00 = 10,000; rake 10% = 1,000; pool 9,000. Fee 3% of 9,000 = 270.
        { "winner takes all", Wta, Rake(1_000), 10_000, 300, "1 a, 2 b, 3 c", 9_000, "a 9000/270/8730" },
        // 1,000 / 3 = 333 r 1: the leftover cent goes to 1st. 3% of 334 = 10.02 → 10; of 333 = 9.99 → 10.
        { "top three equal, a pool that does not divide by three", TopThreeEqual, Rake(0), 1_000, 300,
            "1 a, 2 b, 3 c, 4 d", 1_000,
            "a 334/10/324 b 333/10/323 c 333/10/323" },
        // 9,999 × 50% = 4,999.5 → 4,999; × 30% = 2,999.7 → 2,999; × 20% = 1,999.8 → 1,999; 2 leftover cents to 1st and
        // 2nd.
        { "top three weighted 50/30/20, leftover cents to the best places", FiftyThirtyTwenty, Rake(0), 9_999, 0,
            "1 a, 2 b, 3 c", 9_999,
            "a 5000/0/5000 b 3000/0/3000 c 1999/0/1999" },
        // Guaranteed 500.00 on 8 × 5.00 of fees: 60/25/15 of 50,000; fees 3% = 900, 375, 225.
        { "custom 60/25/15 on a guaranteed pool", Custom603025, Guaranteed(50_000), 4_000, 300,
            "1 a, 2 b, 3 c, 4 d", 50_000,
            "a 30000/900/29100 b 12500/375/12125 c 7500/225/7275" },
        // Fees 9,990, rake 12% = 1,198.8 → 1,199, pool 8,791. Floors 2,637 / 1,758 / 879 ×3 / 351 ×5 = 8,787;
        // 4 leftover cents to places 1-4. Fees: 79.14 → 79, 52.77 → 53, 26.4 → 26, 26.37 → 26, 10.53 → 11.
        { "ranked table with place ranges, 12 entries for 10 places", Dfs, Rake(1_200), 9_990, 300,
            "1 a, 2 b, 3 c, 4 d, 5 e, 6 f, 7 g, 8 h, 9 i, 10 j, 11 k, 12 l", 8_791,
            "a 2638/79/2559 b 1759/53/1706 c 880/26/854 d 880/26/854 e 879/26/853 f 351/11/340 g 351/11/340 h " +
            "351/11/340 i 351/11/340 j 351/11/340" },
        // Places 5,002.5 → 5,002 (+1 leftover), 3,001.5 → 3,001, 2,001. The two at 3rd span places 3 and 4:
        // 2,001 + 0 = 2,001, split 1,001 / 1,000, the extra cent to "entry_B" (ordinal before "entry_b").
        { "two entries tied for 3rd when only three places pay", FiftyThirtyTwenty, Rake(0), 10_005, 300,
            "1 w, 2 x, 3 entry_b, 3 entry_B, 5 y", 10_005,
            "w 5003/150/4853 x 3001/90/2911 entry_B 1001/30/971 entry_b 1000/30/970" },
        // All three places, 10,000, shared by three: 3,333 r 1, the extra cent to "a".
        { "three-way tie for 1st shares the top three places", FiftyThirtyTwenty, Rake(0), 10_000, 0,
            "1 c, 1 a, 1 b, 4 d", 10_000,
            "a 3334/0/3334 b 3333/0/3333 c 3333/0/3333" },
        // Only place 1 pays: 100 + 0 + 0 shared by three.
        { "three-way tie for 1st in winner takes all", Wta, Rake(0), 100, 0, "1 a, 1 b, 1 c, 4 d", 100,
            "a 34/0/34 b 33/0/33 c 33/0/33" },
        // Two entries, three places: split by 50:30. 1,001 × 5/8 = 625.6 → 625 (+1), × 3/8 = 375.4 → 375.
        { "fewer entries than places: the unfilled share goes to the filled places by weight", FiftyThirtyTwenty,
            Rake(0), 1_001, 0, "1 a, 2 b", 1_001,
            "a 626/0/626 b 375/0/375" },
        // Seven entries: weights 30, 20, 10, 10, 10, 4, 4 (Σ 88). 10,000 × 30/88 = 3,409.1, × 20/88 = 2,272.7, ×
        // 10/88 = 1,136.4, × 4/88 = 454.5: floors sum to 9,997, so places 1-3 get a cent more.
        { "fewer entries than places in a ranked table", Dfs, Rake(0), 10_000, 0,
            "1 a, 2 b, 3 c, 4 d, 5 e, 6 f, 7 g", 10_000,
            "a 3410/0/3410 b 2273/0/2273 c 1137/0/1137 d 1136/0/1136 e 1136/0/1136 f 454/0/454 g 454/0/454" },
        { "a single entry takes the whole pool", FiftyThirtyTwenty, Rake(0), 777, 0, "1 a", 777, "a 777/0/777" },
        // Two entries tied for 1st share both places they fill: 625 + 375.
        { "two entries tied for 1st of two share the whole pool", FiftyThirtyTwenty, Rake(0), 1_000, 0, "1 b, 1 a",
            1_000, "a 500/0/500 b 500/0/500" },
    };

    /// <summary>Guarantees, rounding to the half cent, and pools from one cent to the largest a long holds.</summary>
    private static ExampleRows RoundingAndExtremes() => new()
    {
        // Guaranteed 500.00, fees 600.00: the pool is exactly the guarantee; 3% of 50,000 = 1,500.
        { "guaranteed pool below the fees pays the guarantee", Wta, Guaranteed(50_000), 60_000, 300, "1 a, 2 b", 50_000,
            "a 50000/1500/48500" },
        // 3% of 16.50 = 49.5 → 50 to the house: pool 1,600.
        { "rake rounds half-up, the half cent to the house", Wta, Rake(300), 1_650, 0, "1 a, 2 b", 1_600,
            "a 1600/0/1600" },
        // 3% of 16.49 = 49.47 → 49: pool 1,600.
        { "rake below a half cent rounds down", Wta, Rake(300), 1_649, 0, "1 a, 2 b", 1_600, "a 1600/0/1600" },
        // Fee 3% of 1,650 = 49.5 → 50.
        { "platform fee rounds half-up per prize", Wta, Rake(0), 1_650, 300, "1 a, 2 b", 1_650, "a 1650/50/1600" },
        // Fee 3% of 1,649 = 49.47 → 49.
        { "platform fee below a half cent rounds down", Wta, Rake(0), 1_649, 300, "1 a, 2 b", 1_649, "a 1649/49/1600" },
        // 331 / 3 = 110 r 1 → 111, 110, 110; 3% = 3.33 → 3, 3.3 → 3. A fee per prize, not on the total (9.93 → 10).
        { "fees are rounded per prize, not on the total", TopThreeEqual, Rake(0), 331, 300, "1 a, 2 b, 3 c", 331,
            "a 111/3/108 b 110/3/107 c 110/3/107" },
        // 50% of 1 = 0.5 → 1: the winner receives nothing.
        { "a fee of half a cent on a one-cent prize takes the cent", Wta, Rake(0), 1, 5_000, "1 a, 2 b", 1, "a 1/1/0" },
        // 2 / 3 = 0 r 2: places pay 1, 1, 0 and an entry with no prize gets no payout.
        { "a pool smaller than the places leaves the worst places unpaid", TopThreeEqual, Rake(0), 2, 0,
            "1 a, 2 b, 3 c", 2, "a 1/0/1 b 1/0/1" },
        // Rake 50% of 1 = 0.5 → 1: the pool is 0 and nobody is paid.
        { "a rake that takes the only cent leaves no prize", Wta, Rake(5_000), 1, 300, "1 a, 2 b", 0, "" },
        // 999,999,999,999 × 50/30/20 = …999.5, …999.7, …999.8 → 2 leftover cents to 1st and 2nd.
        // Fees: 15,000,000,000; 9,000,000,000; 5,999,999,999.97 → 6,000,000,000.
        { "a pool near 10^12 splits exactly", FiftyThirtyTwenty, Rake(0), 999_999_999_999, 300, "1 a, 2 b, 3 c",
            999_999_999_999,
            "a 500000000000/15000000000/485000000000 b 300000000000/9000000000/291000000000 c " +
            "199999999999/6000000000/193999999999" },
        { "the largest pool a long holds does not overflow", Wta, Rake(0), long.MaxValue, 10_000, "1 a", long.MaxValue,
            $"a {long.MaxValue}/{long.MaxValue}/0" },
    };

    /// <summary>Fixed amounts, and ranked shares in parts per billion.</summary>
    private static ExampleRows FixedAmountsAndPartsPerBillion() => new()
    {
        // Each place its published amount. b and c tied at 2nd share 2nd and 3rd: 500 + 200 = 700, 350 each. e and f
        // tied at 5th straddle two rows: 200 + 100 = 300, 150 each. j and k at 10th share 10th and the unpaid 11th:
        // 100 + 0, 50 each.
        // Fees 3%: 30, 10.5 → 11, 6, 4.5 → 5, 3, 1.5 → 2. Fees kept 12.00 against 26.00 paid: the platform adds 14.00.
        { "fixed amounts pay each place its published amount, ties across rows sharing what they span", Lobby,
            Guaranteed(2_600), 1_200, 300,
            "1 a, 2 b, 2 c, 4 d, 5 e, 5 f, 7 g, 8 h, 9 i, 10 j, 10 k, 12 l", 2_600,
            "a 1000/30/970 b 350/11/339 c 350/11/339 d 200/6/194 e 150/5/145 f 150/5/145 g 100/3/97 h 100/3/97 i " +
            "100/3/97 j 50/2/48 k 50/2/48" },
        // Three tied for 1st share places 1-3: 1,000 + 500 + 200 = 1,700, 566 r 2: the extra cents to a and b.
        { "a tie of fixed amounts that does not divide gives leftover cents in entry id order", Lobby,
            Guaranteed(2_600), 1_200, 0,
            "1 c, 1 b, 1 a, 4 d, 5 e, 6 f, 7 g, 8 h, 9 i, 10 j", 2_600,
            "a 567/0/567 b 567/0/567 c 566/0/566 d 200/0/200 e 200/0/200 f 100/0/100 g 100/0/100 h 100/0/100 i " +
            "100/0/100 j 100/0/100" },
        // Four entries fill places 1-4 only: 1,000 + 500 + 200 + 200 = 1,900 is paid; places 5-10 (700) are not.
        { "fixed amounts with fewer entries than places pay only the filled places", Lobby, Guaranteed(2_600), 400, 0,
            "1 a, 2 b, 3 c, 4 d", 1_900,
            "a 1000/0/1000 b 500/0/500 c 200/0/200 d 200/0/200" },
        // Three entries, b and c tied at 2nd: places 2 and 3, 700, 350 each; nobody is paid the unfilled places'
        // amounts.
        { "fixed amounts with fewer entries than places and a tie at the last filled place", Lobby, Guaranteed(2_600),
            300, 0, "1 a, 2 c, 2 b", 1_700,
            "a 1000/0/1000 b 350/0/350 c 350/0/350" },
        // 10,001 × 50% = 5,000.5, × 20% = 2,000.2, × 5% = 500.05: floors 5,000 + 2 × 2,000 + 2 × 500 = 10,000, the
        // leftover cent to 1st.
        // c and d tied at 3rd span 3rd (20%) and 4th (5%): 2,000 + 500 = 2,500, 1,250 each.
        { "ranked shares in parts per billion, a tie across rows", Ppb, Rake(0), 10_001, 0,
            "1 a, 2 b, 3 c, 3 d, 5 e, 6 f", 10_001,
            "a 5001/0/5001 b 2000/0/2000 c 1250/0/1250 d 1250/0/1250 e 500/0/500" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Prizes_are_paid_to_the_cent(string name, PrizeTable table, PoolRule pool, long feesKept, int feeBp,
        string standings, long expectedPool, string expectedAwards)
    {
        var settlement = Settle(new PrizeRules(Currency.Usd, table, pool, feeBp), feesKept, Standings(standings));

        Assert.True(expectedPool == settlement.Pool.Pool.MinorUnits,
            $"{name}: pool {settlement.Pool.Pool.MinorUnits}, expected {expectedPool}");
        Assert.Equal(expectedAwards, Awards(settlement));
        Assert.Equal(expectedPool, settlement.GrossTotal.MinorUnits);
        Assert.Equal(settlement.GrossTotal, settlement.FeeTotal + settlement.NetTotal);
    }

    public static TheoryData<string, PoolRule, long, long, long, long, long> Pools() => new()
    {
        // name, rule, fees kept → rake, overlay, house take, pool
        { "rake mode: the rake is the house take", Rake(1_200), 20_000, 2_400, 0, 2_400, 17_600 },
        { "rake mode with no rake pays every cent", Rake(0), 20_000, 0, 0, 0, 20_000 },
        { "guaranteed pool above the fees: the platform covers the overlay", Guaranteed(50_000), 4_000, 0, 46_000,
            0, 50_000 },
        { "guaranteed pool below the fees: the house keeps the excess", Guaranteed(50_000), 60_000, 0, 0,
            10_000, 50_000 },
        { "guaranteed pool equal to the fees: no overlay, no excess", Guaranteed(50_000), 50_000, 0, 0, 0, 50_000 },
        { "guaranteed pool with no fees kept is all overlay", Guaranteed(50_000), 0, 0, 50_000, 0, 50_000 },
    };

    [Theory]
    [MemberData(nameof(Pools))]
    public void The_pool_breakdown_names_rake_overlay_and_house_take(string name, PoolRule rule, long feesKept,
        long rake, long overlay, long house, long pool)
    {
        var b = PrizePool.Compute(rule, new Money(feesKept, Currency.Usd));

        Assert.True((rake, overlay, house, pool) == (b.Rake.MinorUnits, b.Overlay.MinorUnits, b.HouseTake.MinorUnits,
            b.Pool.MinorUnits),
            $"{name}: got rake {b.Rake.MinorUnits}, overlay {b.Overlay.MinorUnits}, house {b.HouseTake.MinorUnits}, " +
            $"pool {b.Pool.MinorUnits}");
        Assert.Equal(b.EntryFeesKept + b.Overlay, b.Pool + b.HouseTake);
    }

    public static TheoryData<string, long, long, long, long, long, long> UnfilledPools() => new()
    {
        // name, fees kept, unfilled → overlay, house take, pool, unfilled; all on a guarantee of 50,000.
        { "nothing unfilled: the pool is the guarantee", 4_000, 0, 46_000, 0, 50_000, 0 },
        { "unfilled places: the pool is what the filled places are paid, the overlay smaller by as much", 4_000, 30_000,
            16_000, 0, 20_000, 30_000 },
        { "unfilled places and fees above what is paid: the house keeps the excess", 30_000, 40_000, 0, 20_000,
            10_000, 40_000 },
    };

    [Theory]
    [MemberData(nameof(UnfilledPools))]
    public void Unfilled_fixed_amounts_are_not_paid_and_the_breakdown_still_balances(string name, long feesKept,
        long unfilled, long overlay, long house, long pool, long unfilledOut)
    {
        var b =
            PrizePool.Compute(Guaranteed(50_000), new Money(feesKept, Currency.Usd), new Money(unfilled, Currency.Usd));

        Assert.True((0L, overlay, house, pool, unfilledOut) == (b.Rake.MinorUnits, b.Overlay.MinorUnits,
            b.HouseTake.MinorUnits, b.Pool.MinorUnits, b.Unfilled.MinorUnits),
            $"{name}: got rake {b.Rake.MinorUnits}, overlay {b.Overlay.MinorUnits}, house {b.HouseTake.MinorUnits}, " +
            $"pool {b.Pool.MinorUnits}, unfilled {b.Unfilled.MinorUnits}");
        Assert.Equal(b.EntryFeesKept + b.Overlay, b.Pool + b.HouseTake);
        Assert.Equal(50_000, (b.Pool + b.Unfilled).MinorUnits);
    }

    [Fact]
    public void A_fixed_amount_table_with_fewer_entries_keeps_the_unfilled_amounts_out_of_the_pool()
    {
        // Places 1-4 filled (19.00 paid), places 5-10 (7.00) not; fees 4.00, so the platform adds 15.00, not 22.00.
        var settlement = Settle(Rules(Lobby, Guaranteed(2_600)), 400, Standings("1 a, 2 b, 3 c, 4 d"));

        Assert.Equal(new PoolBreakdown(Usd(400), Usd(0), Usd(1_500), Usd(0), Usd(1_900), Usd(700)), settlement.Pool);
        Assert.Equal([new PlaceRange(1, 1, Usd(1_000)), new PlaceRange(2, 2, Usd(500)), new PlaceRange(3, 4, Usd(200))],
            settlement.PlaceRanges);
        Assert.Equal(10, settlement.PlacesInTable);
    }

    [Fact]
    public void A_table_of_200000_places_is_settled_by_its_ranges_not_place_by_place()
    {
        // 1st 10,000.00; 2nd-10th 1,000.00; 11th-200,000th 0.40: 1,000,000 + 900,000 + 199,990 × 40 = 9,899,600.
        var table = new PrizeTable(PrizeTableKinds.FixedAmounts, Amounts:
            [new PrizeAmount(1, 1, 1_000_000), new PrizeAmount(2, 10, 100_000),
                new PrizeAmount(11, ContestLimits.PaidPlacesMax, 40)]);
        var rows = Enumerable.Range(1, 250_000).Select(i => new StandingRow(i, $"e{i:D6}", "p", 1_000_000 - i))
            .ToList();

        var settlement = Settle(Rules(table, Guaranteed(9_899_600), feeBp: 300), 0, rows);

        Assert.Equal([new PlaceRange(1, 1, Usd(1_000_000)), new PlaceRange(2, 10, Usd(100_000)),
            new PlaceRange(11, 200_000, Usd(40))], settlement.PlaceRanges);
        Assert.Equal(200_000, settlement.Awards.Count);
        Assert.Equal(9_899_600, settlement.GrossTotal.MinorUnits);
        Assert.Equal(Usd(40), settlement.PlaceAmounts[199_999]);
        Assert.Equal(Usd(100_000), settlement.PlaceAmounts[9]);
    }

    [Fact]
    public void A_share_split_cuts_a_range_where_the_leftover_cents_end()
    {
        // Two rows of 10 places at 5% each: 1,000,007 × 5% = 50,000.35 a place. Floors 50,000 × 20 = 1,000,000, and the
        // 7 leftover cents go to places 1-7, inside the first row, which is cut there.
        var table = new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, 10, 0, 50_000_000), new PrizePlace(11, 20, 0, 50_000_000)]);
        var rows = Enumerable.Range(1, 20).Select(i => new StandingRow(i, $"e{i:D2}", "p", 100 - i)).ToList();

        var settlement = Settle(Rules(table, Rake(0)), 1_000_007, rows);

        Assert.Equal([new PlaceRange(1, 7, Usd(50_001)), new PlaceRange(8, 10, Usd(50_000)),
            new PlaceRange(11, 20, Usd(50_000))], settlement.PlaceRanges);
    }

    [Fact]
    public void A_contest_with_no_entries_has_nothing_to_settle()
    {
        var decision = PrizeCalculator.Calculate("c1", Rules(Wta, Guaranteed(50_000)), new Money(0, Currency.Usd), []);

        Assert.Equal(PrizeOutcome.NothingToSettle, decision.Outcome);
        Assert.Null(decision.Settlement);
    }

    [Fact]
    public void An_award_names_its_entry_player_rank_places_and_payout_id()
    {
        var settlement = Settle(Rules(FiftyThirtyTwenty, Rake(0), feeBp: 300), 10_005,
            Standings("1 w, 2 x, 3 entry_b, 3 entry_B, 5 y"));

        var tied = settlement.Awards.Single(a => a.EntryId == "entry_B");
        Assert.Equal(new PrizeAward(PayoutIds.For("c1", "entry_B"), "entry_B", "plr_entry_B", 3, 2, 3, 3,
            new Money(1_001, Currency.Usd), new Money(30, Currency.Usd), new Money(971, Currency.Usd)), tied);
        Assert.Equal(3, settlement.PlacesInTable);
        Assert.Equal(5, settlement.EntryCount);
        Assert.Equal([5_003L, 3_001L, 2_001L], settlement.PlaceAmounts.Select(a => a.MinorUnits));
        Assert.Equal(PrizeCalculator.PublishedRule, settlement.Rule);
    }

    [Fact]
    public void The_order_of_the_standing_rows_does_not_change_the_settlement()
    {
        var rows = Standings("1 a, 2 b, 2 B, 2 b2, 5 c, 6 d, 6 e, 8 f, 9 g, 10 h, 11 i");
        var rules = Rules(Dfs, Rake(1_000), feeBp: 300);

        var inOrder = Settle(rules, 123_457, rows);
        var reversed = Settle(rules, 123_457, rows.AsEnumerable().Reverse().ToList());

        Assert.Equal(inOrder.Awards, reversed.Awards);
        Assert.Equal(inOrder.PlaceAmounts, reversed.PlaceAmounts);
        // 1st alone; three tied at 2nd share places 2-4, the extra cents to "B" then "b" (ordinal).
        Assert.Equal(["a", "B", "b", "b2", "c", "d", "e", "f", "g", "h"], inOrder.Awards.Select(a => a.EntryId));
    }

    [Fact]
    public void Rules_are_taken_from_the_contest_definition()
    {
        var contest = new ContestDefined("c1", "t", ContestKinds.Fitness, "EUR", 500, 2, 200, 1,
            DateTimeOffset.UnixEpoch, ["g"],
            [new ScoringRule("steps", 1)], 0, Custom603025, Guaranteed(50_000), 300);

        Assert.Equal(new PrizeRules(Currency.Eur, Custom603025, Guaranteed(50_000), 300), PrizeRules.From(contest));
    }

    public static TheoryData<string, PrizeRules, long, string> Bugs() => new()
    {
        // name, rules, fees kept, standings: each breaks what Ingestion or Scoring promises.
        { "unknown table kind", Rules(new PrizeTable("top_five"), Rake(0)), 100, "1 a" },
        { "custom percentages without their list", Rules(new PrizeTable(PrizeTableKinds.CustomPercentages), Rake(0)),
            100, "1 a" },
        { "custom percentages short of 100%", Rules(
            new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: [5_000, 3_000]), Rake(0)), 100, "1 a" },
        { "custom percentages over 100%", Rules(
            new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: [6_000, 5_000]), Rake(0)), 100, "1 a" },
        { "a worse place paid more than a better one", Rules(
            new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: [4_000, 6_000]), Rake(0)), 100, "1 a" },
        { "a place of 0%",
            Rules(new PrizeTable(PrizeTableKinds.CustomPercentages, PercentagesBp: [10_000, 0]), Rake(0)), 100, "1 a" },
        { "ranked rows with a gap", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, 1, 5_000), new PrizePlace(3, 3, 5_000)]), Rake(0)), 100, "1 a" },
        { "ranked rows that overlap", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, 2, 2_500), new PrizePlace(2, 3, 2_500)]), Rake(0)), 100, "1 a" },
        { "a ranked row ending before it starts", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, 1, 10_000), new PrizePlace(2, 1, 1)]), Rake(0)), 100, "1 a" },
        { "a ranked row paying millions of places", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new PrizePlace(1, int.MaxValue, 1)]), Rake(0)), 100, "1 a" },
        { "a guaranteed pool with a rake", Rules(Wta, new PoolRule(PoolModes.Guaranteed, 100, 50_000)), 100, "1 a" },
        { "a guaranteed pool of 0", Rules(Wta, Guaranteed(0)), 100, "1 a" },
        { "a rake pool with a guarantee", Rules(Wta, new PoolRule(PoolModes.Rake, 100, 50_000)), 100, "1 a" },
        { "a rake above 50%", Rules(Wta, Rake(5_001)), 100, "1 a" },
        { "an unknown pool mode", Rules(Wta, new PoolRule("jackpot")), 100, "1 a" },
        { "a platform fee above 100%", Rules(Wta, Rake(0), feeBp: 10_001), 100, "1 a" },
        { "a negative platform fee", Rules(Wta, Rake(0), feeBp: -1), 100, "1 a" },
        { "negative fees kept", Rules(Wta, Rake(0)), -1, "1 a" },
        { "standings that skip rank 2", Rules(Wta, Rake(0)), 100, "1 a, 3 b" },
        { "standings that do not skip after a tie", Rules(Wta, Rake(0)), 100, "1 a, 1 b, 2 c" },
        { "standings that start at rank 2", Rules(Wta, Rake(0)), 100, "2 a" },
        { "an entry listed twice", Rules(Wta, Rake(0)), 100, "1 a, 2 a" },
        { "fixed amounts on a rake pool", Rules(Lobby, Rake(0)), 100, "1 a" },
        { "fixed amounts short of the guarantee", Rules(Lobby, Guaranteed(2_599)), 100, "1 a" },
        { "fixed amounts over the guarantee", Rules(Lobby, Guaranteed(2_601)), 100, "1 a" },
        { "a worse place paid a larger fixed amount", Rules(new PrizeTable(PrizeTableKinds.FixedAmounts,
            Amounts: [new(1, 1, 100), new(2, 2, 200)]), Guaranteed(300)), 100, "1 a" },
        { "a fixed amount of 0", Rules(new PrizeTable(PrizeTableKinds.FixedAmounts,
            Amounts: [new(1, 1, 100), new(2, 2, 0)]), Guaranteed(100)), 100, "1 a" },
        { "fixed amounts with a gap", Rules(new PrizeTable(PrizeTableKinds.FixedAmounts,
            Amounts: [new(1, 1, 100), new(3, 3, 100)]), Guaranteed(200)), 100, "1 a" },
        { "fixed amounts without their list", Rules(new PrizeTable(PrizeTableKinds.FixedAmounts), Guaranteed(100)),
            100, "1 a" },
        { "amounts given to a ranked table", Rules(Dfs with { Amounts = [new(1, 1, 100)] }, Rake(0)), 100, "1 a" },
        { "shares given to a fixed amounts table",
            Rules(Lobby with { Places = [new(1, 1, 10_000)] }, Guaranteed(2_600)), 100, "1 a" },
        { "ranked shares in both bp and ppb", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [new(1, 1, 5_000), new(2, 2, 0, 500_000_000)]), Rake(0)), 100, "1 a" },
        { "ranked ppb shares short of a billion",
            Rules(new PrizeTable(PrizeTableKinds.Ranked, Places: [new(1, 1, 0, 999_999_999)]), Rake(0)), 100, "1 a" },
        { "a table paying more than 200,000 places", Rules(new PrizeTable(PrizeTableKinds.FixedAmounts,
            Amounts: [new(1, 200_001, 1)]), Guaranteed(200_001)), 100, "1 a" },
        { "a table of more than 10,000 rows", Rules(new PrizeTable(PrizeTableKinds.Ranked,
            Places: [.. Enumerable.Range(1, 10_001).Select(i => new PrizePlace(i, i, 1))]), Rake(0)), 100, "1 a" },
    };

    [Theory]
    [MemberData(nameof(Bugs))]
    public void Inputs_that_break_upstream_promises_throw(string name, PrizeRules rules, long feesKept,
        string standings)
    {
        var ex = Record.Exception(() =>
            PrizeCalculator.Calculate("c1", rules, new Money(feesKept, Currency.Usd), Standings(standings)));
        Assert.True(ex is ArgumentException,
            $"{name}: expected an ArgumentException, got {ex?.GetType().Name ?? "none"}");
    }

    [Fact]
    public void Tied_rows_with_different_scores_throw()
    {
        List<StandingRow> rows = [new(1, "a", "p", 10_000), new(1, "b", "p", 9_000)];
        Assert.Throws<ArgumentException>(() =>
            PrizeCalculator.Calculate("c1", Rules(Wta, Rake(0)), new Money(100, Currency.Usd), rows));
    }

    [Fact]
    public void A_worse_rank_with_a_score_as_high_throws()
    {
        List<StandingRow> rows = [new(1, "a", "p", 10_000), new(2, "b", "p", 10_000)];
        Assert.Throws<ArgumentException>(() =>
            PrizeCalculator.Calculate("c1", Rules(Wta, Rake(0)), new Money(100, Currency.Usd), rows));
    }

    [Fact]
    public void Fees_in_another_currency_throw()
    {
        Assert.Throws<ArgumentException>(() =>
            PrizeCalculator.Calculate("c1", Rules(Wta, Rake(0)), new Money(100, Currency.Eur), Standings("1 a")));
    }

    private static Money Usd(long minor) => new(minor, Currency.Usd);

    private static PrizeRules Rules(PrizeTable table, PoolRule pool, int feeBp = 0) =>
        new(Currency.Usd, table, pool, feeBp);

    private static PrizeSettlement Settle(PrizeRules rules, long feesKept, IReadOnlyList<StandingRow> rows)
    {
        var decision = PrizeCalculator.Calculate("c1", rules, new Money(feesKept, Currency.Usd), rows);
        Assert.Equal(PrizeOutcome.Settled, decision.Outcome);
        return decision.Settlement!;
    }

    /// <summary>"1 a, 2 b, 2 c" → rows with those ranks; tied rows get equal scores, a worse rank a lower one.
    /// </summary>
    private static List<StandingRow> Standings(string spec) =>
        spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(item => item.Split(' '))
            .Select(p => new StandingRow(int.Parse(p[0]), p[1], "plr_" + p[1], (1_000 - int.Parse(p[0])) * 1_000L))
            .ToList();

    private static string Awards(PrizeSettlement s) =>
        string.Join(' ',
            s.Awards.Select(a => $"{a.EntryId} {a.Gross.MinorUnits}/{a.Fee.MinorUnits}/{a.Net.MinorUnits}"));
}

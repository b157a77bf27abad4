using ContestPipeline.Contracts;
using ContestPipeline.Local.Fuzz;
using ContestPipeline.Rules.Prizes;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// Seeded random contests (see <see cref="PrizeSimulation"/>): 5 seeds × 400 cases = 2,000 in CI.
/// A failure message starts with its seed and case and says how to replay it. Broken
/// calculators show that the checks bite: each must be caught, with its seed named.
/// </summary>
public sealed class PrizePropertyTests
{
    private const int Seeds = 5;
    private const int CasesPerSeed = PrizeSimulation.CasesDefault / Seeds;

    public static TheoryData<int> SeedValues() => [20_261_101, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(SeedValues))]
    public void Random_contests_pay_the_exact_pool_by_rank_with_fair_ties_and_half_up_fees(int seed)
    {
        var failure = PrizeSimulation.Run(seed, CasesPerSeed);
        Assert.True(failure is null, $"seed {seed}: {failure}");
    }

    /// <summary>
    /// Large cases: tables of 10,000 to 200,000 places in up to 10,000 rows, shaped like big
    /// tournaments' (top places, widening ranges, a minimum cash), in parts per billion or fixed
    /// amounts, with up to 250,000 entries and tie groups straddling range boundaries. A few per
    /// seed here (each settles up to 250,000 entries three times); cpdev fuzz prizes --large runs many.
    /// </summary>
    [Theory]
    [MemberData(nameof(SeedValues))]
    public void Random_large_tables_pay_the_exact_pool_by_rank_with_fair_ties_and_half_up_fees(int seed)
    {
        var failure = PrizeSimulation.Run(seed, LargeCasesPerSeed, large: true);
        Assert.True(failure is null, $"seed {seed}: {failure}");
    }

    private const int LargeCasesPerSeed = 3;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_case_is_the_same_contest_every_time_it_is_generated(bool large)
    {
        var a = PrizeSimulation.Generate(7, 42, large);
        var b = PrizeSimulation.Generate(7, 42, large);

        Assert.Equal(a.ContestId, b.ContestId);
        Assert.Equal(a.Rules with { Table = b.Rules.Table }, b.Rules);
        Assert.Equal(a.Rules.Places().Pay, b.Rules.Places().Pay);
        Assert.Equal(a.Rules.Places().Runs, b.Rules.Places().Runs);
        Assert.Equal(a.EntryFeesKept, b.EntryFeesKept);
        Assert.Equal(a.Standings, b.Standings);
    }

    public static TheoryData<string> Mutants() => [.. BrokenCalculators.Keys];

    [Theory]
    [MemberData(nameof(Mutants))]
    public void A_broken_calculator_is_caught_and_its_seed_named(string mutant)
    {
        const int seed = 99;
        var failure = PrizeSimulation.Run(seed, CasesPerSeed, BrokenCalculators[mutant]);

        Assert.NotNull(failure);
        Assert.StartsWith($"prize simulation seed {seed}, case ", failure);
        Assert.Contains($"replay: PrizeSimulation.RunCase({seed}, ", failure);
    }

    private static readonly Dictionary<string, PrizeSimulation.Calculation> BrokenCalculators = new()
    {
        ["fee rounded down"] = Mutate(s => Rebuild(s, s.Awards.Select(a =>
            WithFee(a, a.Gross.MinorUnits * s.PlatformFee.Value / BasisPoints.Whole)).ToList())),
        ["a cent moved from the first winner to the last"] = Mutate(s =>
            s.Awards.Count < 2 || s.Awards[0].Gross.MinorUnits < 2 ? s
            : Rebuild(s,
                [WithGross(s, s.Awards[0], -1), .. s.Awards.Skip(1).SkipLast(1), WithGross(s, s.Awards[^1], +1)])),
        ["tie leftover to the last entry id"] = Mutate(s => Rebuild(s, s.Awards.GroupBy(a => a.Rank)
            .SelectMany(g => g.Zip(g.Select(a => a.Gross.MinorUnits).Reverse(),
                (a, gross) => WithGross(s, a, gross - a.Gross.MinorUnits))).ToList())),
        ["a cent lost"] =
            Mutate(s => s.Awards.Count == 0 ? s : Rebuild(s, [WithGross(s, s.Awards[0], -1), .. s.Awards.Skip(1)])),
        ["awards in input order"] = (id, rules, fees, rows) =>
        {
            var d = PrizeCalculator.Calculate(id, rules, fees, rows);
            if (d.Settlement is not { } s || rows.Count == 0 || rows[0].Rank == 1) return d;
            return d with { Settlement = s with { Awards = s.Awards.Reverse().ToList() } };
        },
    };

    private static PrizeSimulation.Calculation Mutate(Func<PrizeSettlement, PrizeSettlement> change) =>
        (id, rules, fees, rows) =>
    {
        var d = PrizeCalculator.Calculate(id, rules, fees, rows);
        return d.Settlement is { } s ? d with { Settlement = change(s) } : d;
    };

    /// <summary>The settlement with other awards and totals that agree with them, so only the broken rule can give it
    /// away.</summary>
    private static PrizeSettlement Rebuild(PrizeSettlement s, IReadOnlyList<PrizeAward> awards) => s with
    {
        Awards = awards,
        GrossTotal = s.GrossTotal with { MinorUnits = awards.Sum(a => a.Gross.MinorUnits) },
        FeeTotal = s.FeeTotal with { MinorUnits = awards.Sum(a => a.Fee.MinorUnits) },
        NetTotal = s.NetTotal with { MinorUnits = awards.Sum(a => a.Net.MinorUnits) },
    };

    private static PrizeAward WithFee(PrizeAward a, long fee) =>
        a with { Fee = a.Fee with { MinorUnits = fee }, Net = a.Net with { MinorUnits = a.Gross.MinorUnits - fee } };

    /// <summary>Changes an award's prize by <paramref name="delta"/>, with the fee and net the rules give for the new
    /// prize.</summary>
    private static PrizeAward WithGross(PrizeSettlement s, PrizeAward a, long delta)
    {
        var gross = a.Gross.MinorUnits + delta;
        return WithFee(a with { Gross = a.Gross with { MinorUnits = gross } }, s.PlatformFee.ApplyHalfUp(gross));
    }
}

using System.Diagnostics;
using System.Globalization;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Rules.Prizes;
using ContestPipeline.Rules.Contests;

namespace ContestPipeline.Local.Fuzz;

/// <summary>
/// cpdev fuzz feed|prizes: the property checks the tests run on a few seeded cases, run on as
/// many as asked. The same seed and case number is always the same input, so a failure
/// printed here is replayed with <c>--seed S --from I --cases 1</c> or in a test.
/// </summary>
public static class FuzzCommand
{
    public const int FailuresShown = 5;

    public static int Feed(int cases, int seed, int from)
    {
        if (!Valid(cases, from, out var error)) return Fail(error);
        var clock = Stopwatch.StartNew();
        var summary = FeedFuzz.Run(seed, cases, failuresKept: FailuresShown, from: from);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"feed fuzz: seed {seed}, cases {from} to {from + cases - 1}: {cases:N0} cases run, " +
            $"{summary.Messages:N0} messages " +
            $"({summary.Accepted:N0} accepted, {summary.Rejected:N0} rejected, " +
            $"{summary.DroppedQuietly:N0} dropped as re-sends), " +
            $"{summary.FailedCases:N0} failures, {clock.Elapsed.TotalSeconds:F1} s"));
        return Report(summary.FailedCases, summary.Failures);
    }

    /// <summary>
    /// <paramref name="large"/>: tables of 10,000 to 200,000 places and up to 250,000 entries
    /// (see <see cref="PrizeSimulation"/>), then the time the largest contests take to validate
    /// and to settle on this machine.
    /// </summary>
    public static int Prizes(int cases, int seed, int from, bool large = false)
    {
        if (!Valid(cases, from, out var error)) return Fail(error);
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        var failed = 0;
        for (var i = from; i < from + cases; i++)
        {
            if (PrizeSimulation.RunCase(seed, i, large: large) is not { } failure) continue;
            failed++;
            if (failures.Count < FailuresShown) failures.Add(failure);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prize fuzz{(large ? " (large tables)" : "")}: seed {seed}, cases {from} to {from + cases - 1}: "
                + $"{cases:N0} cases run, {failed:N0} failures, {clock.Elapsed.TotalSeconds:F1} s"));
        if (large) PrintTimings();
        return Report(failed, failures);
    }

    /// <summary>
    /// How long the largest contests take, printed and never asserted: a timed test fails on a
    /// busy machine rather than on slow code. Each figure is the median of several runs after a
    /// warm-up, in the build cpctl runs (Release with ./run cpctl).
    /// </summary>
    private static void PrintTimings()
    {
        var now = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        var games = new Dictionary<string, GameInfo>
            { ["g1"] = new(now.AddDays(1), new HashSet<string>(StringComparer.Ordinal) { "qb1" }) };
        var largest = LargestRankedTable();
        var definition = new ContestDefined("timing", "Timing", ContestKinds.Fantasy, "USD", 2_000, 2,
            ContestLimits.EntriesMax, 150, now.AddHours(1), ["g1"], [new ScoringRule("passing_yards", 40)], 1, largest,
            new PoolRule(PoolModes.Rake, RakeBp: 1_500), 300);
        var rowPerPlace = definition with
        {
            PrizeTable = new PrizeTable(PrizeTableKinds.Ranked, Places:
                [.. Enumerable.Range(1, ContestLimits.PaidPlacesMax).Select(p => new PrizePlace(p, p, 0, 5_000))]),
        };
        if (ContestValidator.Validate(definition, games, now).Count != 0
            || ContestValidator.Validate(rowPerPlace, games, now).Count != 1)
            throw new InvalidOperationException("the timing definitions are not what they are meant to be");

        var standings = MillionStandings();
        var (tournament, guaranteed) = PrizeSimulation.Tournament(ContestLimits.PaidPlacesMax, 3_500);
        var fixedRules = new PrizeRules(Currency.Usd, tournament, guaranteed, 300);
        var ppbRules = new PrizeRules(Currency.Usd, largest, new PoolRule(PoolModes.Rake, RakeBp: 1_500), 300);
        var fees = new Money(standings.Count * 2_000L, Currency.Usd);

        Console.WriteLine("timings (median after a warm-up; printed, not asserted):");
        Console.WriteLine(Timed($"validate a definition with the largest table ({ContestLimits.PrizeTableRowsMax:N0} "
                + $"rows over {ContestLimits.PaidPlacesMax:N0} places)", 9,
            () => ContestValidator.Validate(definition, games, now)));
        Console.WriteLine(Timed($"validate a definition with a table of {ContestLimits.PaidPlacesMax:N0} rows, "
                + $"one per place (refused by its length)", 9,
            () => ContestValidator.Validate(rowPerPlace, games, now)));
        Console.WriteLine(Timed($"settle {standings.Count:N0} standings, {ContestLimits.PaidPlacesMax:N0} paid places, "
                + $"fixed amounts ({tournament.Amounts!.Count} rows), ties of 3 across rows", 5,
            () => PrizeCalculator.Calculate("timing", fixedRules, fees, standings)));
        Console.WriteLine(Timed($"settle {standings.Count:N0} standings, {ContestLimits.PaidPlacesMax:N0} paid places, "
                + $"ranked in ppb ({largest.Places!.Count:N0} rows), ties of 3 across rows", 5,
            () => PrizeCalculator.Calculate("timing", ppbRules, fees, standings)));
    }

    private static string Timed(string what, int runs, Func<object> action)
    {
        action();
        var ms = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            GC.KeepAlive(action());
            ms[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(ms);
        var median = ms[runs / 2];
        return median < 1
            ? string.Create(CultureInfo.InvariantCulture, $"  {what}: {median * 1_000:F0} µs")
            : string.Create(CultureInfo.InvariantCulture, $"  {what}: {median:F1} ms");
    }

    /// <summary>10,000 rows over 200,000 places in parts per billion: 1st 161,000, 2nd-9,999th 81,000 each, the rest
    /// 1,000 each.</summary>
    private static PrizeTable LargestRankedTable() => new(PrizeTableKinds.Ranked, Places:
    [
        new(1, 1, 0, 161_000),
        .. Enumerable.Range(2, ContestLimits.PrizeTableRowsMax - 2).Select(p => new PrizePlace(p, p, 0, 81_000)),
        new(ContestLimits.PrizeTableRowsMax, ContestLimits.PaidPlacesMax, 0, 1_000),
    ]);

    /// <summary>
    /// A million final standings as Scoring publishes them, with entry ids as long as the entry
    /// API's: the first 300,000 entries in groups of three tied entries (every paid place is in
    /// a tie, and ties straddle every row boundary they meet), the rest each alone.
    /// </summary>
    private static List<StandingRow> MillionStandings()
    {
        const int entries = 1_000_000, tiedEntries = 300_000;
        var rows = new List<StandingRow>(entries);
        for (var i = 0; i < entries; i++)
        {
            var rank = i < tiedEntries ? i / 3 * 3 + 1 : i + 1;
            var score = i < tiedEntries ? 10_000_000L - i / 3 : 10_000_000L - i;
            rows.Add(new StandingRow(rank, string.Create(CultureInfo.InvariantCulture, $"entry_pi_3QJf2kLx9aT0{i:D8}"),
                $"plr_{i % 400_000}", score));
        }
        return rows;
    }

    private static bool Valid(int cases, int from, out string error)
    {
        error = cases < 1 ? "--cases must be 1 or more" : from < 0 ? "--from must be 0 or more"
            : (long)from + cases > int.MaxValue ? "--from + --cases is too large" : "";
        return error.Length == 0;
    }

    private static int Report(int failed, IReadOnlyList<string> failures)
    {
        foreach (var f in failures) Console.WriteLine(f);
        if (failed > failures.Count) Console.WriteLine($"... and {failed - failures.Count} more failing cases");
        return failed == 0 ? 0 : 1;
    }

    private static int Fail(string error)
    {
        Console.Error.WriteLine("fuzz: " + error);
        return 2;
    }
}

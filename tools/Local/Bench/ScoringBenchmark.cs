using ContestPipeline.Scoring.Boards;
using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Local.Bench;

/// <summary>
/// The shape of one benchmark run. The defaults are the target contest: 100,000 entries with
/// lineups of 8, a slate of 10 games × 40 athletes, stat events applied in batches as a consume
/// loop would, with the live leaders recomputed after every batch.
/// </summary>
public sealed record ScoringBenchmarkOptions(
    int Seed,
    int Entries = 100_000,
    int LineupSize = 8,
    int Games = 10,
    int AthletesPerGame = 40,
    int StatEvents = 200_000,
    int EventsPerBatch = 500,
    int LeadersCount = 100);

/// <summary>
/// What one run measured, in microseconds (units last). A batch's latency runs from the moment
/// its first event is handed to the board until the leaders that include its last event are
/// computed: the scoring engine's share of "stat arrived → standings include it", without
/// Kafka or Postgres. The hashes let two runs with the same seed be compared.
/// </summary>
public sealed record ScoringBenchmarkResult(
    ScoringBenchmarkOptions Options,
    long BuildUs,
    long EventsUs,
    long EventsPerSecond,
    int Batches,
    long BatchLatencyP50Us,
    long BatchLatencyP99Us,
    long BatchLatencyMaxUs,
    long AllocatedBytesDuringEvents,
    long FinalStandingsUs,
    long StandingsHashUs,
    long InputsHashUs,
    string StandingsHash,
    string InputsHash);

/// <summary>
/// Builds a contest board from a seeded <see cref="Random"/> (the caller prints the seed) and
/// drives it with a feed of cumulative stat updates, timing each part with the given clock.
/// </summary>
public static class ScoringBenchmark
{
    // Football rules with the negative ones a real slate has; a fantasy lineup of 8 draws on them.
    private static readonly ScoringRule[] Rules =
    [
        new("passing_yards", 40), new("passing_touchdowns", 4_000), new("interceptions", -1_000),
        new("rushing_yards", 100), new("rushing_touchdowns", 6_000), new("receptions", 1_000),
        new("receiving_yards", 100), new("receiving_touchdowns", 6_000), new("fumbles_lost", -2_000),
    ];

    // A stat the provider reports that no rule names: the feed carries them and they must be cheap.
    private const string UnscoredStat = "steps";

    public static ContestDefined Definition(ScoringBenchmarkOptions options) => new(
        ContestId: $"bench-{options.Seed}",
        Title: "Scoring benchmark",
        Kind: ContestKinds.Fantasy,
        Currency: "USD",
        EntryFeeMinor: 1_000,
        MinEntries: 1,
        MaxEntries: options.Entries,
        MaxEntriesPerPlayer: 1,
        LockAt: DateTimeOffset.UnixEpoch,
        GameIds: [.. Enumerable.Range(0, options.Games).Select(GameId)],
        ScoringRules: Rules,
        LineupSize: options.LineupSize,
        PrizeTable: new PrizeTable(PrizeTableKinds.WinnerTakesAll),
        Pool: new PoolRule(PoolModes.Rake, RakeBp: 1_000),
        PlatformFeeBp: 300);

    public static ScoringBenchmarkResult Run(ScoringBenchmarkOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Games * options.AthletesPerGame, options.LineupSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EventsPerBatch, 1);
        var random = new Random(options.Seed);

        var started = time.GetTimestamp();
        var board = BoardOfEntries(options, random);
        board.Leaders(options.LeadersCount);
        var buildUs = Microseconds(time.GetElapsedTime(started));
        var events = StatEvents(options, random);

        var latenciesUs = new List<long>();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var eventsStarted = time.GetTimestamp();
        for (var from = 0; from < events.Length; from += options.EventsPerBatch)
        {
            var batchStarted = time.GetTimestamp();
            var to = Math.Min(events.Length, from + options.EventsPerBatch);
            for (var i = from; i < to; i++)
                board.ApplyStat(events[i].Game, events[i].Athlete, events[i].Stat, events[i].Value);
            board.Leaders(options.LeadersCount);
            latenciesUs.Add(Microseconds(time.GetElapsedTime(batchStarted)));
        }
        var eventsUs = Microseconds(time.GetElapsedTime(eventsStarted));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        started = time.GetTimestamp();
        board.FinalStandings();
        var finalUs = Microseconds(time.GetElapsedTime(started));
        started = time.GetTimestamp();
        var standingsHash = board.StandingsHash();
        var standingsHashUs = Microseconds(time.GetElapsedTime(started));
        started = time.GetTimestamp();
        var inputsHash = board.InputsHash();
        var inputsHashUs = Microseconds(time.GetElapsedTime(started));

        latenciesUs.Sort();
        return new ScoringBenchmarkResult(
            options,
            buildUs,
            eventsUs,
            EventsPerSecond: eventsUs == 0 ? 0 : events.Length * 1_000_000L / eventsUs,
            Batches: latenciesUs.Count,
            BatchLatencyP50Us: Percentile(latenciesUs, 50),
            BatchLatencyP99Us: Percentile(latenciesUs, 99),
            BatchLatencyMaxUs: latenciesUs.Count == 0 ? 0 : latenciesUs[^1],
            AllocatedBytesDuringEvents: allocated,
            FinalStandingsUs: finalUs,
            StandingsHashUs: standingsHashUs,
            InputsHashUs: inputsHashUs,
            StandingsHash: standingsHash,
            InputsHash: inputsHash);
    }

    /// <summary>The contest's board with its entries, each a lineup of distinct random athletes.</summary>
    private static ContestBoard BoardOfEntries(ScoringBenchmarkOptions options, Random random)
    {
        var athletes = options.Games * options.AthletesPerGame;
        var board = new ContestBoard(Definition(options));
        var lineup = new string[options.LineupSize];
        var picks = new int[options.LineupSize];
        for (var e = 0; e < options.Entries; e++)
        {
            DistinctPicks(random, athletes, picks);
            for (var i = 0; i < picks.Length; i++)
                lineup[i] = AthleteId(picks[i] / options.AthletesPerGame, picks[i] % options.AthletesPerGame);
            // Entry ids are random, as payment-intent ids are, so tie order is not insertion order.
            board.AddEntry($"entry_pi_{random.NextInt64():x16}{e:x6}",
                $"player_{random.Next(options.Entries):x6}", lineup);
        }
        return board;
    }

    /// <summary>
    /// The stat events, with the feed's cumulative totals, so that every event reports a value that only grows, as a
    /// provider's would. Ids are made before timing starts, as a deserialized message's are.
    /// </summary>
    private static (string Game, string Athlete, string Stat, long Value)[] StatEvents(
        ScoringBenchmarkOptions options, Random random)
    {
        var cumulative = new long[options.Games, options.AthletesPerGame, Rules.Length + 1];
        var events = new (string Game, string Athlete, string Stat, long Value)[options.StatEvents];
        for (var i = 0; i < events.Length; i++)
        {
            var g = random.Next(options.Games);
            var a = random.Next(options.AthletesPerGame);
            var s = random.Next(Rules.Length + 1);
            var value = cumulative[g, a, s] += random.Next(1, 20);
            events[i] = (GameId(g), AthleteId(g, a), s < Rules.Length ? Rules[s].Stat : UnscoredStat, value);
        }
        return events;
    }

    private static string GameId(int game) => $"game-{game:D2}";

    private static string AthleteId(int game, int athlete) => $"game-{game:D2}-athlete-{athlete:D2}";

    /// <summary>Fills <paramref name="picks"/> with distinct numbers below <paramref name="bound"/>.</summary>
    private static void DistinctPicks(Random random, int bound, int[] picks)
    {
        for (var i = 0; i < picks.Length; i++)
        {
            int pick;
            do pick = random.Next(bound);
            while (Array.IndexOf(picks, pick, 0, i) >= 0);
            picks[i] = pick;
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static long Percentile(List<long> sorted, int percent)
    {
        if (sorted.Count == 0) return 0;
        var rank = (sorted.Count * percent + 99) / 100;
        return sorted[Math.Max(0, rank - 1)];
    }

    private static long Microseconds(TimeSpan elapsed) => elapsed.Ticks / TimeSpan.TicksPerMicrosecond;
}

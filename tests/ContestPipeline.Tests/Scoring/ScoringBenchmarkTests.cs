using ContestPipeline.Local.Bench;

namespace ContestPipeline.Tests.Scoring;

/// <summary>The benchmark's timings are not asserted (they are measured, not tested); its reproducibility is.</summary>
public sealed class ScoringBenchmarkTests
{
    private static ScoringBenchmarkOptions Small(int seed) =>
        new(seed, Entries: 400, LineupSize: 8, Games: 3, AthletesPerGame: 10, StatEvents: 2_000, EventsPerBatch: 100,
            LeadersCount: 10);

    [Fact]
    public void A_benchmark_run_is_reproducible_from_its_seed()
    {
        var first = ScoringBenchmark.Run(Small(7), TimeProvider.System);
        var again = ScoringBenchmark.Run(Small(7), TimeProvider.System);
        var other = ScoringBenchmark.Run(Small(8), TimeProvider.System);

        Assert.Equal(20, first.Batches);
        Assert.Equal((first.StandingsHash, first.InputsHash), (again.StandingsHash, again.InputsHash));
        Assert.NotEqual(first.StandingsHash, other.StandingsHash);
        Assert.NotEqual(first.InputsHash, other.InputsHash);
    }
}

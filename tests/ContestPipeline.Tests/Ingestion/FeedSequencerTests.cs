using System.Text.Json;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Tests.Ingestion;

public sealed class FeedSequencerTests
{
    private static readonly DateTimeOffset T0 =
        DateTimeOffset.Parse("2026-11-21T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly FeedSequencer Sequencer = new();

    private static FeedItem Item(long sequence, string hash = "h") =>
        new(sequence, $"m{sequence}{hash}", hash + sequence);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    /// <summary>Offers events in order, each at its own time, and gathers every step's output.</summary>
    private sealed class Run(FeedSequencer sequencer)
    {
        public GameSequence State { get; private set; } = GameSequence.Start;
        public List<long> Released { get; } = [];
        public List<FeedDrop> Dropped { get; } = [];
        public List<FeedGap> Gaps { get; } = [];

        public SequencerStep Offer(FeedItem item, DateTimeOffset now) => Keep(sequencer.Offer(State, item, now));

        public SequencerStep Tick(DateTimeOffset now) => Keep(sequencer.Tick(State, now));

        private SequencerStep Keep(SequencerStep step)
        {
            State = step.State;
            Released.AddRange(step.Released.Select(i => i.Sequence));
            Dropped.AddRange(step.Dropped);
            Gaps.AddRange(step.Gaps);
            return step;
        }
    }

    [Fact]
    public void Events_in_order_are_released_as_they_arrive()
    {
        var run = new Run(Sequencer);
        for (var seq = 1; seq <= 5; seq++)
        {
            var step = run.Offer(Item(seq), At(seq));
            Assert.Equal([seq], step.Released.Select(i => i.Sequence));
        }
        Assert.Equal(6, run.State.NextSequence);
        Assert.Empty(run.State.Held);
        Assert.Null(run.State.GapSince);
        Assert.Empty(run.Dropped);
        Assert.Empty(run.Gaps);
    }

    [Fact]
    public void A_duplicate_of_an_applied_event_is_dropped()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(2), At(1));

        var step = run.Offer(Item(1), At(2));

        Assert.Empty(step.Released);
        var drop = Assert.Single(step.Dropped);
        Assert.Equal(FeedDropReason.Duplicate, drop.Reason);
        Assert.Equal("sequence 1 was already applied", drop.Detail);
        Assert.Equal(3, run.State.NextSequence);
    }

    [Fact]
    public void Out_of_order_events_are_held_then_released_in_order_when_the_gap_fills()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        Assert.Empty(run.Offer(Item(4), At(1)).Released);
        Assert.Empty(run.Offer(Item(3), At(2)).Released);
        Assert.Equal([3L, 4L], run.State.Held.Keys);
        Assert.Equal(At(1), run.State.GapSince);

        var step = run.Offer(Item(2), At(3));

        Assert.Equal([2L, 3L, 4L], step.Released.Select(i => i.Sequence));
        Assert.Equal([1L, 2L, 3L, 4L], run.Released);
        Assert.Equal(5, run.State.NextSequence);
        Assert.Empty(run.State.Held);
        Assert.Null(run.State.GapSince);
        Assert.Empty(run.Gaps);
    }

    [Fact]
    public void A_duplicate_of_a_held_event_with_the_same_content_is_dropped_quietly()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(3), At(0));

        var step = run.Offer(Item(3), At(1));

        var drop = Assert.Single(step.Dropped);
        Assert.Equal(FeedDropReason.Duplicate, drop.Reason);
        Assert.Equal("sequence 3 is already held", drop.Detail);
        Assert.Single(run.State.Held);
    }

    [Fact]
    public void A_duplicate_of_a_held_event_with_other_content_is_a_conflict_and_the_first_is_kept()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(3, "a"), At(0));

        var step = run.Offer(Item(3, "b"), At(1));

        var drop = Assert.Single(step.Dropped);
        Assert.Equal(FeedDropReason.Conflict, drop.Reason);
        Assert.Equal("sequence 3 (m3b, hash b3) differs from the held m3a (hash a3); the first received is kept",
            drop.Detail);
        run.Offer(Item(1), At(2));
        var released = run.Offer(Item(2), At(3)).Released;
        Assert.Equal([1L, 2L, 3L], run.Released);
        Assert.Equal("a3", released.Single(i => i.Sequence == 3).ContentHash);
    }

    [Fact]
    public void A_gap_is_held_until_its_hold_time_then_skipped_with_an_alert()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(4), At(10));
        run.Offer(Item(5), At(12));

        Assert.Empty(run.Tick(At(39.999)).Released);
        Assert.Equal(At(40), Sequencer.TickDueAt(run.State));
        var step = run.Tick(At(40));

        Assert.Equal([4L, 5L], step.Released.Select(i => i.Sequence));
        var gap = Assert.Single(step.Gaps);
        Assert.Equal(new FeedGap(2, 3, At(10), At(40), GapSkipCause.HoldTimeExpired), gap);
        Assert.Equal("game g1: sequences 2 to 3 did not arrive between 2026-11-21T18:00:10.000Z and " +
            "2026-11-21T18:00:40.000Z; skipped to sequence 4", gap.Describe("g1"));
        Assert.Equal(6, run.State.NextSequence);
        Assert.Equal([new SkippedRange(2, 3, At(40))], run.State.Skipped);
        Assert.Null(Sequencer.TickDueAt(run.State));
    }

    [Fact]
    public void An_event_arriving_after_its_gap_was_skipped_is_late_and_not_applied()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(3), At(1));
        run.Tick(At(31));

        var step = run.Offer(Item(2), At(32));

        Assert.Empty(step.Released);
        var drop = Assert.Single(step.Dropped);
        Assert.Equal(FeedDropReason.Late, drop.Reason);
        Assert.Equal("sequence 2 arrived after it was skipped at 2026-11-21T18:00:31.000Z; a late cumulative total " +
            "must not overwrite a newer one", drop.Detail);
        Assert.Equal([1L, 3L], run.Released);
    }

    [Fact]
    public void An_event_that_fills_the_gap_after_its_hold_time_but_before_any_tick_is_applied()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(3), At(1));

        var step = run.Offer(Item(2), At(45));

        Assert.Equal([2L, 3L], step.Released.Select(i => i.Sequence));
        Assert.Empty(step.Gaps);
    }

    [Fact]
    public void An_offer_after_the_hold_time_also_gives_up_the_expired_gap()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(3), At(1));

        var step = run.Offer(Item(5), At(31));

        Assert.Equal([3L], step.Released.Select(i => i.Sequence));
        Assert.Equal(new FeedGap(2, 2, At(1), At(31), GapSkipCause.HoldTimeExpired), Assert.Single(step.Gaps));
        // The gap at 4 was first seen when 5 arrived, so it has its own full hold time.
        Assert.Equal(At(31), run.State.GapSince);
        Assert.Equal([5L], run.State.Held.Keys);
    }

    [Fact]
    public void Gaps_that_have_all_waited_long_enough_are_given_up_in_one_tick()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(3), At(0));
        run.Offer(Item(6), At(5));
        run.Offer(Item(9), At(20));

        var step = run.Tick(At(36));

        Assert.Equal([3L, 6L], step.Released.Select(i => i.Sequence));
        Assert.Equal(
            [new FeedGap(1, 2, At(0), At(36), GapSkipCause.HoldTimeExpired),
                new FeedGap(4, 5, At(5), At(36), GapSkipCause.HoldTimeExpired)],
            step.Gaps);
        Assert.Equal(At(20), run.State.GapSince);
        Assert.Equal(7, run.State.NextSequence);
    }

    [Fact]
    public void A_shorter_hold_time_is_honoured()
    {
        var sequencer = new FeedSequencer { GapHoldTime = TimeSpan.FromSeconds(5) };
        var step1 = sequencer.Offer(GameSequence.Start, Item(2), At(0));
        Assert.Empty(sequencer.Tick(step1.State, At(4.9)).Gaps);
        Assert.Single(sequencer.Tick(step1.State, At(5)).Gaps);
    }

    [Fact]
    public void A_clock_that_goes_back_never_expires_a_gap_early()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(3), At(10));
        run.Offer(Item(4), At(5));

        Assert.Equal(At(5), run.State.GapSince);
        Assert.Empty(run.Tick(At(34)).Gaps);
        Assert.Single(run.Tick(At(35)).Gaps);
    }

    [Fact]
    public void When_the_held_bound_is_reached_the_gap_is_given_up_at_once_and_nothing_is_dropped()
    {
        var run = new Run(new FeedSequencer { HeldEventsMax = 3 });
        run.Offer(Item(1), At(0));
        run.Offer(Item(4), At(1));
        run.Offer(Item(5), At(2));
        run.Offer(Item(7), At(3));

        var step = run.Offer(Item(9), At(4));

        Assert.Equal([4L, 5L], step.Released.Select(i => i.Sequence));
        Assert.Equal(new FeedGap(2, 3, At(1), At(4), GapSkipCause.HeldBoundReached), Assert.Single(step.Gaps));
        Assert.Equal("game g1: sequences 2 to 3 were given up at 2026-11-21T18:00:04.000Z, missing since " +
            "2026-11-21T18:00:01.000Z, because too many later events were held; skipped to sequence 4",
            step.Gaps[0].Describe("g1"));
        Assert.Empty(step.Dropped);
        Assert.Equal([7L, 9L], run.State.Held.Keys);
        Assert.Equal(At(3), run.State.GapSince);
    }

    [Fact]
    public void When_the_held_bound_is_reached_by_an_event_inside_the_gap_only_the_part_below_it_is_skipped()
    {
        var run = new Run(new FeedSequencer { HeldEventsMax = 2 });
        run.Offer(Item(1), At(0));
        run.Offer(Item(6), At(1));
        run.Offer(Item(7), At(2));

        var step = run.Offer(Item(4), At(3));

        Assert.Equal([4L], step.Released.Select(i => i.Sequence));
        Assert.Equal(new FeedGap(2, 3, At(1), At(3), GapSkipCause.HeldBoundReached), Assert.Single(step.Gaps));
        Assert.Equal(5, run.State.NextSequence);
        Assert.Equal([6L, 7L], run.State.Held.Keys);
        // Sequence 5 can still arrive and be applied.
        Assert.Equal([5L, 6L, 7L], run.Offer(Item(5), At(4)).Released.Select(i => i.Sequence));
    }

    [Fact]
    public void The_held_events_never_exceed_their_bound()
    {
        var sequencer = new FeedSequencer { HeldEventsMax = 10 };
        var run = new Run(sequencer);
        // Every other event is lost: the worst case for holding.
        for (var seq = 2; seq <= 400; seq += 2)
        {
            run.Offer(Item(seq), At(seq / 100.0));
            Assert.InRange(run.State.Held.Count, 0, 10);
        }
        Assert.Equal(Enumerable.Range(1, 190).Select(i => (long)i * 2), run.Released);
        Assert.Equal(190, run.Gaps.Count);
        Assert.Empty(run.Dropped);
    }

    [Fact]
    public void An_event_implausibly_far_ahead_is_dropped_rather_than_held()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));

        var step = run.Offer(Item(100_003), At(1));

        Assert.Equal(FeedDropReason.TooFarAhead, Assert.Single(step.Dropped).Reason);
        Assert.Equal("sequence 100,003 is more than 100,000 beyond the next expected 2", step.Dropped[0].Detail);
        Assert.Empty(run.State.Held);
        Assert.Empty(run.Offer(Item(100_002), At(2)).Dropped);
        Assert.Equal([100_002L], run.State.Held.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void A_sequence_below_one_is_invalid(long sequence)
    {
        var step = Sequencer.Offer(GameSequence.Start, Item(sequence), At(0));
        Assert.Equal(FeedDropReason.SequenceInvalid, Assert.Single(step.Dropped).Reason);
        Assert.Equal(GameSequence.Start, step.State);
    }

    [Fact]
    public void The_oldest_skipped_ranges_are_forgotten_at_their_bound_so_a_very_late_event_reads_as_a_duplicate()
    {
        var run = new Run(new FeedSequencer { SkippedRangesMax = 2 });
        for (var seq = 2; seq <= 6; seq += 2)
        {
            run.Offer(Item(seq), At(seq * 100));
            run.Tick(At(seq * 100 + 30));
        }
        Assert.Equal([new SkippedRange(3, 3, At(430)), new SkippedRange(5, 5, At(630))], run.State.Skipped);

        Assert.Equal(FeedDropReason.Duplicate, run.Offer(Item(1), At(700)).Dropped.Single().Reason);
        Assert.Equal(FeedDropReason.Late, run.Offer(Item(3), At(701)).Dropped.Single().Reason);
    }

    [Fact]
    public void The_state_survives_a_round_trip_through_the_wire_json()
    {
        var run = new Run(Sequencer);
        run.Offer(Item(1), At(0));
        run.Offer(Item(3), At(1));
        run.Offer(Item(5), At(2));
        run.Tick(At(31));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var json = JsonSerializer.Serialize(run.State, options);
        var back = JsonSerializer.Deserialize<GameSequence>(json, options)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, options));
        var fromOriginal = Sequencer.Offer(run.State, Item(4), At(40));
        var fromCopy = Sequencer.Offer(back, Item(4), At(40));
        Assert.Equal(fromOriginal.Released, fromCopy.Released);
        Assert.Equal(JsonSerializer.Serialize(fromOriginal.State, options),
            JsonSerializer.Serialize(fromCopy.State, options));
    }

    [Fact]
    public void An_inconsistent_state_is_a_bug_and_throws()
    {
        var held = GameSequence.Start.Held.Add(1, new HeldItem(Item(1), At(0)));
        var broken = GameSequence.Start with { Held = held, GapSince = At(0) };
        Assert.Throws<InvalidOperationException>(() => Sequencer.Offer(broken, Item(2), At(1)));
        Assert.Throws<InvalidOperationException>(() =>
            Sequencer.Tick(GameSequence.Start with { GapSince = At(0) }, At(1)));
    }
}

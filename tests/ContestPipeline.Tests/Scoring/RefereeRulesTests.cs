using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Contests;

namespace ContestPipeline.Tests.Scoring;

/// <summary>The referee's transitions as pure rules: what moves a contest, and what must not.</summary>
public sealed class RefereeRulesTests
{
    private static readonly ContestFacts Waiting = new(ContestState.Scheduled, EntryCount: 3, EntriesClosedCount: null,
        MinEntries: 2, CancelRequested: false, StartedGameId: null);

    [Fact]
    public void A_scheduled_contest_stays_scheduled_until_entries_are_closed()
    {
        Assert.Null(RefereeRules.Next(Waiting));
    }

    [Fact]
    public void Entries_closed_locks_only_once_the_referee_holds_every_entry_that_was_accepted()
    {
        // Ingestion closed with 3 entries; the referee has seen 2 of them so far.
        Assert.Null(RefereeRules.Next(Waiting with { EntryCount = 2, EntriesClosedCount = 3 }));
        Assert.Equal(ContestState.Locked, RefereeRules.Next(Waiting with { EntriesClosedCount = 3 })?.To);
    }

    [Fact]
    public void Entries_closed_under_the_minimum_cancels_with_the_counts_in_the_reason()
    {
        var next = RefereeRules.Next(Waiting with { EntryCount = 1, EntriesClosedCount = 1 });
        Assert.Equal(ContestState.Cancelled, next?.To);
        Assert.Equal("under-filled: 1 entries at lock, minimum 2", next?.Reason);
        // Exactly the minimum is enough.
        Assert.Equal(ContestState.Locked,
            RefereeRules.Next(Waiting with { EntryCount = 2, EntriesClosedCount = 2 })?.To);
    }

    [Fact]
    public void A_locked_contest_goes_live_when_a_covered_game_starts_and_not_before()
    {
        var locked = Waiting with { State = ContestState.Locked, EntriesClosedCount = 3 };
        Assert.Null(RefereeRules.Next(locked));
        var next = RefereeRules.Next(locked with { StartedGameId = "g2" });
        Assert.Equal((ContestState.Live, "game g2 started"), next);
    }

    [Fact]
    public void An_operator_cancel_wins_until_complete_and_changes_nothing_after()
    {
        Assert.Equal(ContestState.Cancelled,
            RefereeRules.Next(Waiting with { CancelRequested = true, EntriesClosedCount = 3 })?.To);
        Assert.Equal(ContestState.Cancelled,
            RefereeRules.Next(
                Waiting with { State = ContestState.Locked, CancelRequested = true, StartedGameId = "g1" })?.To);
        // Recorded while LIVE, the cancel wins even when completion is due at the same moment.
        var due = DateTimeOffset.UnixEpoch.AddDays(1);
        var live =
            Waiting with { State = ContestState.Live, CancelRequested = true, StartedGameId = "g1", CompletesAt = due };
        Assert.Equal((ContestState.Cancelled, "cancelled by an operator"), RefereeRules.Next(live, due));
        foreach (var later in new[] { ContestState.Complete, ContestState.Settled, ContestState.Paid,
            ContestState.Cancelled })
            Assert.Null(RefereeRules.Next(live with { State = later }, due));
    }

    [Theory]
    [InlineData(ContestState.Live)]
    [InlineData(ContestState.Complete)]
    [InlineData(ContestState.Cancelled)]
    public void Later_states_are_not_moved_by_these_rules(ContestState state)
    {
        Assert.Null(RefereeRules.Next(Waiting with { State = state, EntriesClosedCount = 3, StartedGameId = "g1" }));
    }
}

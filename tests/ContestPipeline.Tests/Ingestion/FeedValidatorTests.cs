using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Feed;
using ContestPipeline.Rules.Feed;

namespace ContestPipeline.Tests.Ingestion;

public sealed class FeedValidatorTests
{
    private static readonly DateTimeOffset Starts =
        DateTimeOffset.Parse("2026-11-21T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Kickoff = Starts.AddMinutes(2);
    private static readonly DateTimeOffset Final = Starts.AddHours(3);

    private static readonly GameFacts Unknown = GameFacts.Unknown("g1");
    // Built through Apply, so these rows also exercise it; the roster is given out of order on purpose.
    private static readonly GameFacts Scheduled =
        FeedValidator.Apply(Unknown, new GameScheduled("g1", 1, Starts, ["a3", "a1", "a2"]));
    private static readonly GameFacts Started = FeedValidator.Apply(Scheduled, new GameStarted("g1", 2, Kickoff));
    private static readonly GameFacts Ended = FeedValidator.Apply(Started, new GameEnded("g1", 50, Final));
    private static readonly DateTimeOffset Monday = Starts.AddDays(2);
    private static readonly GameFacts Postponed =
        FeedValidator.Apply(Scheduled, new GamePostponed("g1", 2, Starts.AddMinutes(-30), null, "lightning"));
    private static readonly GameFacts Rescheduled =
        FeedValidator.Apply(Scheduled, new GamePostponed("g1", 2, Starts.AddMinutes(-30), Monday));
    private static readonly GameFacts Suspended =
        FeedValidator.Apply(Started, new GameSuspended("g1", 20, Kickoff.AddMinutes(40), "power cut"));
    private static readonly GameFacts CancelledBeforeStart =
        FeedValidator.Apply(Postponed, new GameCancelled("g1", 3, Starts.AddHours(5)));
    private static readonly GameFacts CancelledInPlay =
        FeedValidator.Apply(Suspended, new GameCancelled("g1", 21, Kickoff.AddHours(3)));

    private static readonly (string Name, GameFacts State, object Event, string? Expected)[] Table =
    [
        ("a new game may be scheduled", Unknown, new GameScheduled("g1", 1, Starts, ["a1", "a2"]), null),
        ("the same schedule announced again is accepted", Scheduled,
            new GameScheduled("g1", 5, Starts, ["a1", "a2", "a3"]), null),
        ("the same schedule with the roster in another order is the same schedule", Started,
            new GameScheduled("g1", 9, Starts, ["a2", "a3", "a1"]), null),
        ("a second schedule with another start is rejected", Scheduled,
            new GameScheduled("g1", 5, Starts.AddHours(1), ["a1", "a2", "a3"]),
            "GameScheduled for game g1 at sequence 5: startsAt 2026-11-21T19:00:00.000Z differs from " +
                "2026-11-21T18:00:00.000Z scheduled earlier"),
        ("a second schedule adding an athlete is rejected", Scheduled,
            new GameScheduled("g1", 5, Starts, ["a1", "a2", "a3", "a4"]),
            "GameScheduled for game g1 at sequence 5: athleteIds (4) differ from the 3 athletes scheduled earlier: " +
                "'a4' is new"),
        ("a second schedule dropping an athlete is rejected", Scheduled,
            new GameScheduled("g1", 5, Starts, ["a1", "a2"]),
            "GameScheduled for game g1 at sequence 5: athleteIds (2) differ from the 3 athletes scheduled earlier: " +
                "'a3' is missing"),
        ("a second schedule repeating an athlete is rejected", Scheduled,
            new GameScheduled("g1", 5, Starts, ["a1", "a2", "a3", "a3"]),
            "GameScheduled for game g1 at sequence 5: athleteIds (4) differ from the 3 athletes scheduled earlier: " +
                "an athlete is repeated"),
        ("a schedule without a start is rejected", Unknown, new GameScheduled("g1", 1, default, ["a1"]),
            "GameScheduled for game g1 at sequence 1: startsAt is missing"),
        ("a schedule without a roster is rejected", Unknown, new GameScheduled("g1", 1, Starts, []),
            "GameScheduled for game g1 at sequence 1: athleteIds is empty; a game needs a roster"),
        ("a schedule with a null roster is rejected", Unknown, new GameScheduled("g1", 1, Starts, null!),
            "GameScheduled for game g1 at sequence 1: athleteIds is empty; a game needs a roster"),
        ("a schedule with a blank athlete is rejected", Unknown, new GameScheduled("g1", 1, Starts, ["a1", " "]),
            "GameScheduled for game g1 at sequence 1: athleteIds[1] is missing"),
        ("a schedule repeating an athlete is rejected", Unknown, new GameScheduled("g1", 1, Starts, ["a1", "a2", "a1"]),
            "GameScheduled for game g1 at sequence 1: athleteIds[2] 'a1' repeats athleteIds[0]"),
        ("a schedule with an absurd athlete id is rejected", Unknown,
            new GameScheduled("g1", 1, Starts, [new string('a', 101)]),
            "GameScheduled for game g1 at sequence 1: athleteIds[0] is 101 characters; at most 100 are allowed"),
        ("an event without a game is rejected", Unknown, new GameScheduled("", 1, Starts, ["a1"]),
            "GameScheduled at sequence 1: gameId is missing"),
        ("an event with an absurd game id is rejected", Unknown, new GameStarted(new string('g', 101), 1, Kickoff),
            $"GameStarted for game '{new string('g', 80)}…' at sequence 1: gameId is 101 characters; at most 100 " +
                "are allowed"),
        ("an event with sequence 0 is rejected", Unknown, new GameScheduled("g1", 0, Starts, ["a1"]),
            "GameScheduled for game g1 at sequence 0: sequence must be 1 or more"),

        ("a scheduled game may start", Scheduled, new GameStarted("g1", 2, Kickoff), null),
        ("an unknown game cannot start", Unknown, new GameStarted("g1", 2, Kickoff),
            "GameStarted for game g1 at sequence 2: the game is not scheduled"),
        ("a game cannot start twice", Started, new GameStarted("g1", 7, Kickoff.AddMinutes(1)),
            "GameStarted for game g1 at sequence 7: the game already started at 2026-11-21T18:02:00.000Z"),
        ("an ended game cannot start again", Ended, new GameStarted("g1", 51, Final),
            "GameStarted for game g1 at sequence 51: the game already started at 2026-11-21T18:02:00.000Z"),
        ("a start without a time is rejected", Scheduled, new GameStarted("g1", 2, default),
            "GameStarted for game g1 at sequence 2: startedAt is missing"),

        ("a stat of a started game is accepted", Started, new StatUpdated("g1", 3, "a1", "passing_yards", 250), null),
        ("a stat of zero is accepted", Started, new StatUpdated("g1", 3, "a1", "passing_yards", 0), null),
        ("a stat at the largest plausible total is accepted", Started,
            new StatUpdated("g1", 3, "a1", "steps", Stats.ValueMax), null),
        ("a stat for an unknown game is rejected", Unknown, new StatUpdated("g1", 3, "a1", "passing_yards", 250),
            "StatUpdated for game g1 at sequence 3: the game is not scheduled"),
        ("a stat before the game started is rejected", Scheduled, new StatUpdated("g1", 3, "a1", "passing_yards", 250),
            "StatUpdated for game g1 at sequence 3: the game has not started"),
        ("a stat update after the game ended is rejected", Ended, new StatUpdated("g1", 51, "a1", "passing_yards", 250),
            "StatUpdated for game g1 at sequence 51: the game ended at 2026-11-21T21:00:00.000Z; after the end only " +
                "StatCorrected is accepted"),
        ("a stat for an athlete off the roster is rejected", Started,
            new StatUpdated("g1", 3, "b7", "passing_yards", 250),
            "StatUpdated for game g1 at sequence 3: athleteId 'b7' is not on the game's roster"),
        ("a stat without an athlete is rejected", Started, new StatUpdated("g1", 3, null!, "passing_yards", 250),
            "StatUpdated for game g1 at sequence 3: athleteId is missing"),
        ("an unknown stat is rejected", Started, new StatUpdated("g1", 3, "a1", "yardz", 250),
            "StatUpdated for game g1 at sequence 3: stat 'yardz' is not a known stat"),
        ("a stat without a name is rejected", Started, new StatUpdated("g1", 3, "a1", "", 250),
            "StatUpdated for game g1 at sequence 3: stat is missing"),
        ("a negative total is rejected", Started, new StatUpdated("g1", 3, "a1", "rushing_yards", -4),
            "StatUpdated for game g1 at sequence 3: value -4 of rushing_yards for a1 is negative; values are " +
                "cumulative totals"),
        ("a total above the largest plausible is rejected", Started,
            new StatUpdated("g1", 3, "a1", "steps", Stats.ValueMax + 1),
            "StatUpdated for game g1 at sequence 3: value 10,000,001 of steps for a1 is more than 10,000,000, the " +
                "largest plausible total"),

        ("a correction after the end is accepted", Ended,
            new StatCorrected("g1", 51, "a1", "passing_yards", 245), null),
        ("a correction during the game is accepted", Started,
            new StatCorrected("g1", 4, "a1", "passing_yards", 245), null),
        ("a correction before the game started is rejected", Scheduled,
            new StatCorrected("g1", 3, "a1", "passing_yards", 245),
            "StatCorrected for game g1 at sequence 3: the game has not started; there is nothing to correct"),
        ("a correction for an unknown game is rejected", Unknown,
            new StatCorrected("g1", 3, "a1", "passing_yards", 245),
            "StatCorrected for game g1 at sequence 3: the game is not scheduled"),
        ("a correction for an athlete off the roster is rejected", Ended,
            new StatCorrected("g1", 51, "zz", "passing_yards", 245),
            "StatCorrected for game g1 at sequence 51: athleteId 'zz' is not on the game's roster"),
        ("a correction with an unknown stat is rejected", Ended, new StatCorrected("g1", 51, "a1", "yardz", 245),
            "StatCorrected for game g1 at sequence 51: stat 'yardz' is not a known stat"),
        ("a negative correction is rejected", Ended, new StatCorrected("g1", 51, "a1", "passing_yards", -1),
            "StatCorrected for game g1 at sequence 51: value -1 of passing_yards for a1 is negative; values are " +
                "cumulative totals"),

        ("a started game may end", Started, new GameEnded("g1", 50, Final), null),
        ("a game cannot end before it started", Scheduled, new GameEnded("g1", 50, Final),
            "GameEnded for game g1 at sequence 50: the game has not started"),
        ("an unknown game cannot end", Unknown, new GameEnded("g1", 50, Final),
            "GameEnded for game g1 at sequence 50: the game is not scheduled"),
        ("a game cannot end twice", Ended, new GameEnded("g1", 52, Final.AddMinutes(5)),
            "GameEnded for game g1 at sequence 52: the game already ended at 2026-11-21T21:00:00.000Z"),
        ("an end without a time is rejected", Started, new GameEnded("g1", 50, default),
            "GameEnded for game g1 at sequence 50: endedAt is missing"),
        ("an end before the start is rejected", Started, new GameEnded("g1", 50, Kickoff.AddSeconds(-1)),
            "GameEnded for game g1 at sequence 50: endedAt 2026-11-21T18:01:59.000Z is before startedAt " +
                "2026-11-21T18:02:00.000Z"),

        ("a scheduled game may be postponed with no new time", Scheduled,
            new GamePostponed("g1", 2, Starts.AddMinutes(-30)), null),
        ("a postponed game may be postponed again to a new time", Postponed,
            new GamePostponed("g1", 3, Starts, Monday), null),
        ("a postponed game may start", Postponed, new GameStarted("g1", 3, Monday), null),
        ("a postponement without a time is rejected", Scheduled, new GamePostponed("g1", 2, default),
            "GamePostponed for game g1 at sequence 2: postponedAt is missing"),
        ("a postponement to a time before it was announced is rejected", Scheduled,
            new GamePostponed("g1", 2, Starts, Starts.AddHours(-1)),
            "GamePostponed for game g1 at sequence 2: newStartsAt 2026-11-21T17:00:00.000Z is not after postponedAt " +
                "2026-11-21T18:00:00.000Z"),
        ("a postponement with an essay for a reason is rejected", Scheduled,
            new GamePostponed("g1", 2, Starts, null, new string('r', 501)),
            "GamePostponed for game g1 at sequence 2: reason is 501 characters; at most 500 are allowed"),
        ("a game in play is not postponed", Started, new GamePostponed("g1", 5, Kickoff.AddMinutes(5)),
            "GamePostponed for game g1 at sequence 5: the game already started at 2026-11-21T18:02:00.000Z; a game " +
                "in play is suspended, not postponed"),
        ("an unknown game is not postponed", Unknown, new GamePostponed("g1", 2, Starts),
            "GamePostponed for game g1 at sequence 2: the game is not scheduled"),
        ("a stat of a postponed game is rejected", Postponed, new StatUpdated("g1", 3, "a1", "passing_yards", 10),
            "StatUpdated for game g1 at sequence 3: the game has not started"),

        ("a game in play may be suspended", Started, new GameSuspended("g1", 20, Kickoff.AddMinutes(40)), null),
        ("a suspended game may resume", Suspended, new GameResumed("g1", 21, Kickoff.AddHours(1)), null),
        ("a suspended game may be declared final as it stands", Suspended,
            new GameEnded("g1", 21, Kickoff.AddHours(1)), null),
        ("a suspended game takes corrections", Suspended, new StatCorrected("g1", 21, "a1", "passing_yards", 12), null),
        ("a suspended game takes no stat updates", Suspended, new StatUpdated("g1", 21, "a1", "passing_yards", 12),
            "StatUpdated for game g1 at sequence 21: the game is suspended since 2026-11-21T18:42:00.000Z; stats go " +
                "on after GameResumed (StatCorrected is accepted)"),
        ("a suspended game is not suspended again", Suspended, new GameSuspended("g1", 21, Kickoff.AddHours(1)),
            "GameSuspended for game g1 at sequence 21: the game is already suspended since 2026-11-21T18:42:00.000Z"),
        ("a game not started is not suspended", Scheduled, new GameSuspended("g1", 2, Starts),
            "GameSuspended for game g1 at sequence 2: the game has not started"),
        ("a suspension before the start is rejected", Started, new GameSuspended("g1", 20, Kickoff.AddMinutes(-1)),
            "GameSuspended for game g1 at sequence 20: suspendedAt 2026-11-21T18:01:00.000Z is before startedAt " +
                "2026-11-21T18:02:00.000Z"),
        ("a game in play does not resume", Started, new GameResumed("g1", 20, Kickoff.AddMinutes(5)),
            "GameResumed for game g1 at sequence 20: the game is not suspended"),
        ("a resumption before the suspension is rejected", Suspended, new GameResumed("g1", 21, Kickoff),
            "GameResumed for game g1 at sequence 21: resumedAt 2026-11-21T18:02:00.000Z is before suspendedAt " +
                "2026-11-21T18:42:00.000Z"),
        ("a resumption without a time is rejected", Suspended, new GameResumed("g1", 21, default),
            "GameResumed for game g1 at sequence 21: resumedAt is missing"),

        ("a postponed game may be cancelled", Postponed,
            new GameCancelled("g1", 3, Starts.AddHours(5), "stadium closed"), null),
        ("a suspended game may be cancelled", Suspended, new GameCancelled("g1", 21, Kickoff.AddHours(3)), null),
        ("a game in play may be cancelled", Started, new GameCancelled("g1", 21, Kickoff.AddHours(3)), null),
        ("an ended game is not cancelled", Ended, new GameCancelled("g1", 51, Final.AddHours(1)),
            "GameCancelled for game g1 at sequence 51: the game already ended at 2026-11-21T21:00:00.000Z"),
        ("a game is not cancelled twice", CancelledInPlay, new GameCancelled("g1", 22, Final),
            "GameCancelled for game g1 at sequence 22: the game was cancelled at 2026-11-21T21:02:00.000Z"),
        ("a cancellation before the start is rejected", Started, new GameCancelled("g1", 21, Kickoff.AddMinutes(-1)),
            "GameCancelled for game g1 at sequence 21: cancelledAt 2026-11-21T18:01:00.000Z is before startedAt " +
                "2026-11-21T18:02:00.000Z"),
        ("a cancelled game does not start", CancelledBeforeStart, new GameStarted("g1", 4, Monday),
            "GameStarted for game g1 at sequence 4: the game was cancelled at 2026-11-21T23:00:00.000Z"),
        ("a game cancelled in play takes corrections", CancelledInPlay,
            new StatCorrected("g1", 22, "a1", "passing_yards", 12), null),
        ("a game cancelled in play takes no stat updates", CancelledInPlay,
            new StatUpdated("g1", 22, "a1", "passing_yards", 12),
            "StatUpdated for game g1 at sequence 22: the game was cancelled at 2026-11-21T21:02:00.000Z; after that " +
                "only StatCorrected is accepted"),
        ("a game cancelled before it started has nothing to correct", CancelledBeforeStart,
            new StatCorrected("g1", 4, "a1", "passing_yards", 12),
            "StatCorrected for game g1 at sequence 4: the game was cancelled at 2026-11-21T23:00:00.000Z before it " +
                "started; there is nothing to score"),
    ];

    public static TheoryData<string> Cases => [.. Table.Select(row => row.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_event_gets_exactly_its_reason(string name)
    {
        var row = Table.Single(r => r.Name == name);
        Assert.Equal(row.Expected, FeedValidator.Validate(row.State, row.Event));
    }

    [Fact]
    public void Every_case_name_is_unique() =>
        Assert.Equal(Table.Length, Table.Select(r => r.Name).Distinct().Count());

    [Fact]
    public void Applying_events_moves_a_game_through_its_phases()
    {
        Assert.Equal(GamePhase.Scheduled, Scheduled.Phase);
        Assert.Equal(["a1", "a2", "a3"], Scheduled.AthleteIds.ToArray());
        Assert.Equal(Starts, Scheduled.StartsAt);
        Assert.Equal((GamePhase.Started, (DateTimeOffset?)Kickoff), (Started.Phase, Started.StartedAt));
        Assert.Equal((GamePhase.Ended, (DateTimeOffset?)Final), (Ended.Phase, Ended.EndedAt));
        Assert.Equal((GamePhase.Postponed, true, (DateTimeOffset?)Starts),
            (Postponed.Phase, Postponed.StartUnknown, Postponed.StartsAt));
        Assert.Equal((GamePhase.Postponed, false, (DateTimeOffset?)Monday),
            (Rescheduled.Phase, Rescheduled.StartUnknown, Rescheduled.StartsAt));
        Assert.Equal((GamePhase.Suspended, true), (Suspended.Phase, Suspended.HasStarted));
        var resumed = FeedValidator.Apply(Suspended, new GameResumed("g1", 21, Kickoff.AddHours(1)));
        Assert.Equal((GamePhase.Started, (DateTimeOffset?)null, (DateTimeOffset?)Kickoff),
            (resumed.Phase, resumed.SuspendedAt, resumed.StartedAt));
        Assert.Equal((GamePhase.Cancelled, false), (CancelledBeforeStart.Phase, CancelledBeforeStart.HasStarted));
        Assert.Equal((GamePhase.Cancelled, true), (CancelledInPlay.Phase, CancelledInPlay.HasStarted));
    }

    [Fact]
    public void A_cancelled_game_or_one_postponed_without_a_time_tells_the_contest_validator_so()
    {
        Assert.Equal((true, false),
            (CancelledBeforeStart.Info()!.Cancelled, CancelledBeforeStart.Info()!.PostponedWithoutDate));
        Assert.Equal((false, true), (Postponed.Info()!.Cancelled, Postponed.Info()!.PostponedWithoutDate));
        Assert.Equal((false, false, Monday),
            (Rescheduled.Info()!.Cancelled, Rescheduled.Info()!.PostponedWithoutDate, Rescheduled.Info()!.StartsAt));
    }

    [Fact]
    public void Applying_a_stat_or_a_repeated_schedule_leaves_the_game_as_it_was()
    {
        Assert.Same(Started, FeedValidator.Apply(Started, new StatUpdated("g1", 3, "a1", "passing_yards", 10)));
        Assert.Same(Started, FeedValidator.Apply(Started, new GameScheduled("g1", 4, Starts, ["a2", "a1", "a3"])));
    }

    [Fact]
    public void Applying_an_invalid_event_is_a_bug_and_throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            FeedValidator.Apply(Scheduled, new GameEnded("g1", 3, Final)));
        Assert.Equal("an invalid feed event was applied: GameEnded for game g1 at sequence 3: the game has not started",
            ex.Message);
    }

    [Fact]
    public void Validating_against_another_games_state_is_a_bug_and_throws() =>
        Assert.Throws<ArgumentException>(() =>
            FeedValidator.Validate(Started, new StatUpdated("g2", 3, "a1", "passing_yards", 10)));

    [Fact]
    public void Only_provider_feed_events_are_validated() =>
        Assert.Throws<ArgumentException>(() => FeedValidator.Validate(Started, "GameStarted"));

    [Fact]
    public void A_scheduled_game_describes_itself_for_contest_validation()
    {
        Assert.Null(Unknown.Info());
        var info = Scheduled.Info()!;
        Assert.Equal(Starts, info.StartsAt);
        Assert.True(info.AthleteIds.SetEquals(["a1", "a2", "a3"]));
    }

    [Fact]
    public void A_game_state_survives_a_round_trip_through_the_wire_json()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var back = JsonSerializer.Deserialize<GameFacts>(JsonSerializer.Serialize(Ended, options), options)!;

        Assert.Equal(JsonSerializer.Serialize(Ended, options), JsonSerializer.Serialize(back, options));
        Assert.Null(FeedValidator.Validate(back, new StatCorrected("g1", 60, "a2", "passing_yards", 3)));
        Assert.Equal("StatCorrected for game g1 at sequence 60: athleteId 'a9' is not on the game's roster",
            FeedValidator.Validate(back, new StatCorrected("g1", 60, "a9", "passing_yards", 3)));
    }
}

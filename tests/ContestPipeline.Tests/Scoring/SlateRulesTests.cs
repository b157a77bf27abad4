using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Scoring.Contests;
using ContestPipeline.Scoring.Games;
using static ContestPipeline.Scoring.Games.GamePhaseKind;

namespace ContestPipeline.Tests.Scoring;

/// <summary>
/// A contest's rule for games that do not finish, as pure logic: what each covered game comes to
/// from its phases and the slate's end, and what the contest does about it.
/// </summary>
public sealed class SlateRulesTests
{
    private static readonly DateTimeOffset Start =
        DateTimeOffset.Parse("2026-11-22T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset End = Start.AddHours(24);
    private static readonly DateTimeOffset Before = Start.AddHours(5);
    private static readonly DateTimeOffset After = End.AddHours(1);

    private static GamePhaseFact F(long sequence, GamePhaseKind kind, DateTimeOffset at,
        DateTimeOffset? newStart = null) => new(sequence, kind, at, newStart);

    private static readonly (string Name, GamePhaseFact[] Facts, DateTimeOffset Now, GameOutcomeKind Kind, bool Played,
        long? Cutoff, DateTimeOffset? DecidedAt)[] Games =
    [
        ("a game not started yet is pending", [], Before, GameOutcomeKind.Pending, false, null, null),
        ("a game in play is pending", [F(2, Started, Start)], Before, GameOutcomeKind.Pending, true, null, null),
        ("an ended game is final at its end", [F(2, Started, Start), F(90, Ended, Start.AddHours(3))], Before,
            GameOutcomeKind.Final, true, null, Start.AddHours(3)),
        ("a game ended after the slate's end is final all the same", [F(2, Started, Start), F(90, Ended, After)], After,
            GameOutcomeKind.Final, true, null, After),
        ("a game cancelled before it started is unfinished at once, unplayed",
            [F(2, Cancelled, Start.AddHours(-2))], Before,
            GameOutcomeKind.Unfinished, false, null, Start.AddHours(-2)),
        ("a game cancelled in play is unfinished at once, played",
            [F(2, Started, Start), F(40, Suspended, Start.AddHours(1)), F(41, Cancelled, Start.AddHours(2))],
            Before, GameOutcomeKind.Unfinished, true, null, Start.AddHours(2)),
        ("a game postponed with no date waits for the slate's end", [F(2, Postponed, Start.AddHours(-1))], Before,
            GameOutcomeKind.Pending, false, null, null),
        ("a game postponed to a time before the slate's end waits", [F(2, Postponed, Start.AddHours(-1),
            Start.AddHours(6))], Before, GameOutcomeKind.Pending, false, null, null),
        ("a game postponed past the slate's end is unfinished at once",
            [F(2, Postponed, Start.AddHours(-1), End.AddDays(1))], Before,
            GameOutcomeKind.Unfinished, false, null, Start.AddHours(-1)),
        ("a game postponed past the slate's end and played later is cut where it came back",
            [F(2, Postponed, Start.AddHours(-1), End.AddDays(1)), F(3, Started, End.AddDays(1)),
                F(60, Ended, End.AddDays(1).AddHours(3))], After,
            GameOutcomeKind.Unfinished, false, 3L, Start.AddHours(-1)),
        ("a postponed game played before the slate's end counts",
            [F(2, Postponed, Start.AddHours(-1)), F(3, Started, Start.AddHours(6))], Before,
            GameOutcomeKind.Pending, true, null, null),
        ("a game postponed and not played by the slate's end is unfinished at it",
            [F(2, Postponed, Start.AddHours(-1))], After,
            GameOutcomeKind.Unfinished, false, null, End),
        ("a game never started by the slate's end is unfinished at it", [], After, GameOutcomeKind.Unfinished,
            false, null, End),
        ("a game suspended at the slate's end is unfinished at it, played",
            [F(2, Started, Start), F(30, Suspended, Start.AddHours(2))], After,
            GameOutcomeKind.Unfinished, true, null, End),
        ("a game suspended at the slate's end and resumed after is cut at the resumption",
            [F(2, Started, Start), F(30, Suspended, Start.AddHours(2)), F(31, Resumed, After)], After,
            GameOutcomeKind.Unfinished, true, 31L, End),
        ("a game resumed before the slate's end is in play again",
            [F(2, Started, Start), F(30, Suspended, Start.AddHours(2)), F(31, Resumed, Start.AddHours(3))],
            Before, GameOutcomeKind.Pending, true, null, null),
        ("a game started only after the slate's end did not count", [F(3, Started, After)], After,
            GameOutcomeKind.Unfinished, false, 3L, End),
        ("a game in play past the slate's end holds the contest", [F(2, Started, Start)], After,
            GameOutcomeKind.HeldInPlay, true, null, null),
        ("a game in play at the slate's end and suspended after is unfinished as it stood",
            [F(2, Started, Start), F(30, Suspended, After)], After.AddHours(1), GameOutcomeKind.Unfinished,
            true, null, End),
    ];

    public static TheoryData<string> GameCases => [.. Games.Select(g => g.Name)];

    [Theory]
    [MemberData(nameof(GameCases))]
    public void A_game_comes_to_exactly_its_outcome(string name)
    {
        var row = Games.Single(g => g.Name == name);
        var outcome = SlateRules.Outcome("g", row.Facts, End, row.Now);
        Assert.Equal((row.Kind, row.Played, row.Cutoff, row.DecidedAt),
            (outcome.Kind, outcome.Played, outcome.CutoffSequence, outcome.DecidedAt));
    }

    private static GameOutcome Final(string id, DateTimeOffset at) =>
        new(id, GameOutcomeKind.Final, at, true, null, "ended");
    private static GameOutcome Unfinished(string id, DateTimeOffset at, bool played) =>
        new(id, GameOutcomeKind.Unfinished, at, played, null, "cancelled");
    private static GameOutcome Pending(string id) => new(id, GameOutcomeKind.Pending, null, false, null, "not started");
    private static GameOutcome Held(string id) => new(id, GameOutcomeKind.HeldInPlay, null, true, null, "in play");

    [Fact]
    public void By_default_an_unfinished_game_scores_as_played_and_the_contest_completes_when_the_others_have_ended()
    {
        var games = new[] { Final("g1", Start.AddHours(3)), Unfinished("g2", Start.AddHours(1), played: false) };
        var decision =
            SlateRules.Decide(UnfinishedGameRules.ScoreAsPlayed, games, End, Before, TimeSpan.FromMinutes(30));
        Assert.Equal((Start.AddHours(3).AddMinutes(30), (string?)null), (decision.CompletesAt, decision.CancelReason));
    }

    [Fact]
    public void A_contest_waits_while_a_game_is_pending_and_looks_again_at_the_slates_end()
    {
        var decision = SlateRules.Decide(UnfinishedGameRules.ScoreAsPlayed,
            [Final("g1", Start.AddHours(3)), Pending("g2")], End, Before, TimeSpan.Zero);
        Assert.Equal(((DateTimeOffset?)null, (string?)null, (DateTimeOffset?)End),
            (decision.CompletesAt, decision.CancelReason, decision.LookAgainAt));
    }

    [Fact]
    public void A_contest_that_chose_to_be_cancelled_is_cancelled_by_the_first_unfinished_game_even_while_others_play()
    {
        var decision = SlateRules.Decide(UnfinishedGameRules.CancelAndRefund,
            [Pending("g1"), Unfinished("g2", Start, played: false)], End, Before, TimeSpan.Zero);
        Assert.Equal("game g2 cancelled; the contest's rule for unfinished games is cancel_and_refund",
            decision.CancelReason);
        Assert.Null(decision.CompletesAt);
    }

    [Fact]
    public void A_contest_none_of_whose_games_was_played_is_cancelled_whatever_its_rule()
    {
        var games = new[] { Unfinished("g2", Start, played: false), Unfinished("g1", End, played: false) };
        var decision = SlateRules.Decide(UnfinishedGameRules.ScoreAsPlayed, games, End, After, TimeSpan.Zero);
        Assert.Equal("no covered game was played: game g1 cancelled; game g2 cancelled", decision.CancelReason);
    }

    [Fact]
    public void A_game_in_play_past_the_slates_end_holds_the_contest_and_is_named()
    {
        var decision = SlateRules.Decide(UnfinishedGameRules.ScoreAsPlayed,
            [Final("g1", Start.AddHours(3)), Held("g2")], End, After, TimeSpan.Zero);
        Assert.Equal(((DateTimeOffset?)null, (DateTimeOffset?)null), (decision.CompletesAt, decision.LookAgainAt));
        Assert.Equal("g2", Assert.Single(decision.HeldBy).GameId);
    }

    [Fact]
    public void The_outcome_is_the_same_whenever_it_is_worked_out_once_every_fact_is_in()
    {
        // What the referee decides at the slate's end, and what it would decide a week later with the same facts.
        GamePhaseFact[] facts = [F(2, Started, Start), F(30, Suspended, Start.AddHours(2)), F(31, Resumed, After),
            F(80, Ended, After.AddHours(2))];
        Assert.Equal(SlateRules.Outcome("g", facts, End, End), SlateRules.Outcome("g", facts, End, End.AddDays(7)));
    }

    [Fact]
    public void The_referee_cancels_a_live_contest_its_games_cancel_and_completes_it_otherwise()
    {
        var live = new ContestFacts(ContestState.Live, 3, 3, 2, false, "g1", CompletesAt: Before);
        Assert.Equal((ContestState.Cancelled, "game g2 cancelled"),
            RefereeRules.Next(live with { SlateCancel = "game g2 cancelled" }, After));
        Assert.Equal(ContestState.Complete, RefereeRules.Next(live, After)?.To);
        Assert.Equal(ContestState.Cancelled, RefereeRules.Next(live with { State = ContestState.Locked,
            StartedGameId = null, SlateCancel = "no covered game was played" }, After)?.To);
        Assert.True(ContestLifecycle.CanTransition(ContestState.Live, ContestState.Cancelled));
    }
}

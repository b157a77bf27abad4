using ContestPipeline.Contracts.Contests;

namespace ContestPipeline.Scoring.Games;

/// <summary>
/// The contest's rule for games that do not finish, a pure function of the contest's fields
/// (its rule, slate end and correction window) and the feed's facts (each game's phases in
/// sequence order, with the provider's times). Nothing in it depends on when a fact arrived,
/// only on what the feed said, so the same feed gives the same outcome whatever the order of
/// arrival across games and topics.
/// </summary>
/// <remarks>
/// <para>A game, walking its facts in sequence order: an end makes it final (whenever it came);
/// a cancellation makes it unfinished at once; so does a postponement to a time at or after the
/// slate's end. A start or resumption timed at or after the slate's end of a game not in play
/// (scheduled, postponed, suspended) makes it unfinished as it stood. When the slate's end has
/// passed, a game not in play is unfinished as it stands; one still in play holds the contest
/// (stats carry no time, so what a game in play had at the slate's end cannot be told from the
/// feed: it counts until the feed says it stopped, and the referee raises a critical alert).</para>
/// <para>The contest: under <see cref="UnfinishedGameRules.CancelAndRefund"/> any unfinished
/// game cancels it at once. Otherwise it waits while a game is pending or held; then, if no game
/// was played at all, it is cancelled; else it completes at the latest decision plus its
/// correction window.</para>
/// </remarks>
public static class SlateRules
{
    /// <summary>
    /// The outcome of one game with <paramref name="facts"/> (in sequence order) for a slate ending at
    /// <paramref name="slateEnd"/>, at <paramref name="now"/>.
    /// </summary>
    public static GameOutcome Outcome(
        string gameId, IReadOnlyList<GamePhaseFact> facts, DateTimeOffset slateEnd, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var phase = GameState.Scheduled;
        var played = false;
        GameOutcome? decided = null;
        foreach (var fact in facts)
        {
            var backInPlay = fact.Kind is GamePhaseKind.Started or GamePhaseKind.Resumed;
            if (decided is not null)
            {
                if (backInPlay && decided.CutoffSequence is null && decided.Kind == GameOutcomeKind.Unfinished)
                    decided = decided with { CutoffSequence = fact.Sequence };
                continue;
            }
            if (backInPlay && fact.At >= slateEnd && phase != GameState.Started)
            {
                decided = new GameOutcome(
                    gameId, GameOutcomeKind.Unfinished, slateEnd, played, fact.Sequence, NotFinal(phase, slateEnd));
                continue;
            }
            decided = Decisive(gameId, fact, slateEnd, played);
            // An end or a cancellation has decided the game above: the state it moves to is never read.
            phase = GameLifecycle.After(fact.Kind);
            played |= fact.Kind == GamePhaseKind.Started;
        }
        if (decided is not null) return decided;
        if (now < slateEnd)
        {
            var why = phase == GameState.Scheduled ? "not started" : GameLifecycle.Name(phase);
            return new GameOutcome(gameId, GameOutcomeKind.Pending, null, played, null, why);
        }
        return phase == GameState.Started
            ? new GameOutcome(gameId, GameOutcomeKind.HeldInPlay, null, true, null,
                $"still in play after the slate's end at {Show(slateEnd)}; "
                + "the feed has not said it ended, was suspended or was cancelled")
            : new GameOutcome(gameId, GameOutcomeKind.Unfinished, slateEnd, played, null, NotFinal(phase, slateEnd));
    }

    /// <summary>
    /// An end, a cancellation or a postponement past the slate's end decides a game at once; null for any other fact.
    /// </summary>
    private static GameOutcome? Decisive(string gameId, GamePhaseFact fact, DateTimeOffset slateEnd, bool played) =>
        fact.Kind switch
    {
        GamePhaseKind.Ended =>
            new GameOutcome(gameId, GameOutcomeKind.Final, fact.At, true, null, $"ended at {Show(fact.At)}"),
        GamePhaseKind.Cancelled =>
            new GameOutcome(gameId, GameOutcomeKind.Unfinished, fact.At, played, null, $"cancelled at {Show(fact.At)}"),
        GamePhaseKind.Postponed when fact.NewStartsAt is { } next && next >= slateEnd =>
            new GameOutcome(gameId, GameOutcomeKind.Unfinished, fact.At, played, null,
                $"postponed at {Show(fact.At)} to {Show(next)}, after the slate's end at {Show(slateEnd)}"),
        _ => null,
    };

    /// <summary>The contest's decision from its games' outcomes, its rule and its correction window.</summary>
    public static SlateDecision Decide(
        string rule, IReadOnlyList<GameOutcome> games, DateTimeOffset slateEnd, DateTimeOffset now,
        TimeSpan correctionWindow)
    {
        ArgumentNullException.ThrowIfNull(games);
        var lookAgain = now < slateEnd ? slateEnd : (DateTimeOffset?)null;
        var held = games.Where(g => g.Kind == GameOutcomeKind.HeldInPlay).ToList();
        var stopped = games.FirstOrDefault(g => g.Kind == GameOutcomeKind.Unfinished);
        if (rule == UnfinishedGameRules.CancelAndRefund && stopped is not null)
        {
            var why = $"game {stopped.GameId} {stopped.Why}; the contest's rule for unfinished games is {rule}";
            return new SlateDecision(null, why, null, held);
        }
        if (games.Any(g => g.Kind is GameOutcomeKind.Pending or GameOutcomeKind.HeldInPlay))
            return new SlateDecision(null, null, lookAgain, held);
        if (!games.Any(g => g.Played))
        {
            var why = games.OrderBy(g => g.GameId, StringComparer.Ordinal).Select(g => $"game {g.GameId} {g.Why}");
            return new SlateDecision(null, "no covered game was played: " + string.Join("; ", why), null, held);
        }
        var last = games.Max(g => g.DecidedAt!.Value);
        return new SlateDecision(last + correctionWindow, null, null, held);
    }

    /// <summary>A sentence for the timeline: what the unfinished games came to.</summary>
    public static string Describe(IReadOnlyList<GameOutcome> games) => string.Join("; ", games
        .Where(g => g.Kind == GameOutcomeKind.Unfinished).OrderBy(g => g.GameId, StringComparer.Ordinal)
        .Select(g => $"game {g.GameId} {g.Why}: its athletes score {(g.Played ? "what they had" : "zero")}"));

    private static string NotFinal(GameState phase, DateTimeOffset slateEnd) => phase switch
    {
        GameState.Postponed => $"postponed and not played by the slate's end at {Show(slateEnd)}",
        GameState.Suspended => $"suspended and not resumed by the slate's end at {Show(slateEnd)}",
        _ => $"not started by the slate's end at {Show(slateEnd)}",
    };

    private static string Show(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

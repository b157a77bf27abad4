using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Boards;
using ContestPipeline.Scoring.Games;

namespace ContestPipeline.Scoring.Contests;

/// <summary>
/// The referee: every lifecycle transition Scoring owns is made here, one contest per
/// transaction. Handlers record facts and mark a contest due for review; this job applies
/// <see cref="RefereeRules"/> to it until it rests, never skipping a state, publishing each
/// transition on <c>contest.lifecycle</c>. COMPLETE also fixes the final standings (stored,
/// and published in chunks on <c>standings</c>) with the hash of those standings and of every
/// input behind them; the board is then dropped, and a later correction is recorded, not applied.
/// </summary>
public sealed class RefereeJob(LiveBoards boards) : IJob
{
    public string Name => "referee";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(100);

    public Task<bool> RunAsync(JobContext job, CancellationToken ct) => job.InTransactionAsync(Name, async context =>
    {
        var contestId = await ContestStore.NextDueContestAsync(context);
        if (contestId is null) return false;
        await AdvanceAsync(context, contestId, ct);
        return true;
    }, ct);

    private async Task AdvanceAsync(TransactionContext context, string contestId, CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        var cause = Cause.Clock(Name, contestId);
        var (facts, slate, games) = await ContestStore.FactsAsync(context, contestId, now);
        while (RefereeRules.Next(facts, now) is var (to, reason))
        {
            if (to == ContestState.Complete) reason = await CompleteAsync(context, contestId, cause, games, ct);
            await ContestStore.MoveAsync(context, contestId, facts.State, to);
            context.Publish(cause, Topics.ContestLifecycle, contestId, ContestStateChanged.MessageIdFor(contestId, to),
                new ContestStateChanged(contestId, ContestLifecycle.Name(facts.State), ContestLifecycle.Name(to),
                    reason, now));
            context.OnCommitted(() => boards.SetState(contestId, to));
            facts = facts with { State = to };
        }
        if (facts.State == ContestState.Live && slate.HeldBy.Count > 0
            && await ContestStore.MarkHeldAlertedAsync(context, contestId))
            AlertHeld(context, contestId, slate.HeldBy);
        // At rest: look again when a finished contest's correction window passes or its slate ends, or when a fact
        // arrives.
        await ContestStore.SetReviewDueAsync(context, contestId, facts.State switch
        {
            ContestState.Live => Earliest(facts.CompletesAt, slate.LookAgainAt),
            ContestState.Locked => slate.LookAgainAt,
            _ => null,
        });
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>
    /// A contest LIVE past its slate's end because a game is still in play by the feed: an operator must hear of it.
    /// </summary>
    private static void AlertHeld(TransactionContext context, string contestId, IReadOnlyList<GameOutcome> heldBy)
    {
        var games = string.Join("; ", heldBy.Select(g => $"game {g.GameId} is {g.Why}"));
        context.RaiseAlert(ScoringWorker.Name, AlertSeverities.Critical, "contest_held_live", contestId,
            $"contest {contestId} is still LIVE after its slate's end: {games}. It completes when the provider sends "
            + "GameEnded, GameSuspended or GameCancelled for it; or an operator cancels the contest", contestId);
    }

    /// <summary>
    /// The final result is a function of what is committed, never of the in-memory board, which
    /// trails each commit by a moment: the board is rebuilt from the database.
    /// </summary>
    private static async Task<string> CompleteAsync(
        TransactionContext context, string contestId, Cause cause, IReadOnlyList<GameOutcome> games,
        CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        var board = await BoardStore.LoadBoardAsync(context, contestId);
        var rows = board.FinalStandings();
        var standingsHash = board.StandingsHash();
        var inputsHash = board.InputsHash();
        await FinalStandingsStore.WriteFinalStandingsAsync(context, contestId, rows, standingsHash, inputsHash, ct);

        var chunks = rows.Chunk(FinalStandingsPublished.RowsPerChunkMax).ToList();
        if (chunks.Count == 0) chunks.Add([]);
        for (var i = 0; i < chunks.Count; i++)
            context.Publish(cause, Topics.Standings, contestId, FinalStandingsPublished.MessageIdFor(contestId, i),
                new FinalStandingsPublished(contestId, i, chunks.Count, chunks[i]));
        context.Publish(cause, Topics.ContestLifecycle, contestId, ContestCompleted.MessageIdFor(contestId),
            new ContestCompleted(contestId, rows.Count, chunks.Count, standingsHash, inputsHash, now));
        var unfinished = SlateRules.Describe(games);
        var stopped = unfinished.Length == 0 ? "" : " or stopped counting (" + unfinished + ")";
        return $"every covered game ended{stopped}; {rows.Count} entries ranked";
    }
}

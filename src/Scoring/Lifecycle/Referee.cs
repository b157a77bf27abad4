using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Runtime;
using Dapper;

namespace ContestPipeline.Scoring.Lifecycle;

/// <summary>Applies LifecycleRules to a contest until it rests, publishing each transition; never skips one.</summary>
public static class Referee
{
    public static async Task AdvanceAsync(HandlerContext context, ScoringState memory, string contestId)
    {
        var row = await context.Connection.QueryFirstOrDefaultAsync<(string State, int EntryCount, int? ClosedCount, int MinEntries, bool CancelRequested, string? StartedGame)>("""
            SELECT c.state,
                   (SELECT count(*)::int FROM scoring.entries e WHERE e.contest_id = c.contest_id),
                   c.entries_closed_count,
                   (c.definition ->> 'minEntries')::int,
                   c.cancel_requested,
                   (SELECT min(g.game_id) FROM scoring.contest_games cg JOIN scoring.games g USING (game_id)
                     WHERE cg.contest_id = c.contest_id AND g.started_at IS NOT NULL)
            FROM scoring.contests c WHERE c.contest_id = @contestId FOR UPDATE
            """, new { contestId }, context.Transaction);
        if (row.State is null) return;
        ContestLifecycle.TryParse(row.State, out var state);
        var facts = new ContestFacts(state, row.EntryCount, row.ClosedCount, row.MinEntries, row.CancelRequested, row.StartedGame);
        while (LifecycleRules.Next(facts) is var (to, reason))
        {
            await TransitionAsync(context, memory, contestId, facts.State, to, reason);
            facts = facts with { State = to };
        }
    }

    /// <summary>Persists one legal transition (exactly one row changes) and announces it.</summary>
    public static async Task TransitionAsync(HandlerContext context, ScoringState memory, string contestId, ContestState from, ContestState to, string reason)
    {
        if (!ContestLifecycle.CanTransition(from, to))
            throw new FatalWorkerException($"illegal transition of contest {contestId}: {from} -> {to}");
        var now = context.Clock.GetUtcNow();
        var changed = await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET state = @to, state_changed_at = @now WHERE contest_id = @contestId AND state = @from",
            new { contestId, from = ContestLifecycle.Name(from), to = ContestLifecycle.Name(to), now }, context.Transaction);
        if (changed != 1)
            throw new FatalWorkerException($"contest {contestId} was not in {from} when moving it to {to}");
        var id = ContestStateChanged.MessageIdFor(contestId, to);
        context.Publish(OutgoingMessage.Create(Topics.ContestLifecycle, contestId,
            new Envelope(id, ContestStateChanged.MessageType, ContestStateChanged.SchemaVersion, contestId, null, now),
            new ContestStateChanged(contestId, ContestLifecycle.Name(from), ContestLifecycle.Name(to), reason, now)));
        context.OnCommitted(() => memory.SetState(contestId, to));
    }
}

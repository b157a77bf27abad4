using System.Text.Json;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Scoring.Runtime;
using Dapper;

namespace ContestPipeline.Scoring.Lifecycle;

/// <summary>A contest Ingestion accepted: the referee starts keeping it (SCHEDULED).</summary>
public sealed class ContestScheduledHandler(ScoringState memory) : IMessageHandler
{
    public string MessageType => ContestScheduled.MessageType;
    public int SchemaVersionMax => ContestScheduled.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Body<ContestScheduled>().Definition;
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO scoring.contests (contest_id, definition, state, state_changed_at)
            VALUES (@id, @definition::jsonb, 'SCHEDULED', @now) ON CONFLICT (contest_id) DO NOTHING;
            INSERT INTO scoring.contest_games (contest_id, game_id) SELECT @id, unnest(@games) ON CONFLICT DO NOTHING;
            """, new { id = definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json),
                now = context.Clock.GetUtcNow(), games = definition.GameIds.ToArray() }, context.Transaction);
        if (inserted > 0) context.OnCommitted(() => memory.AddContest(definition, ContestState.Scheduled));
    }
}

/// <summary>An accepted entry joins the contest's board; it may complete the frozen entry list.</summary>
public sealed class EntryAcceptedHandler(ScoringState memory) : IMessageHandler
{
    public string MessageType => EntryAccepted.MessageType;
    public int SchemaVersionMax => EntryAccepted.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var entry = message.Body<EntryAccepted>();
        var (state, closedCount) = await context.Connection.QueryFirstOrDefaultAsync<(string? State, int? ClosedCount)>(
            "SELECT state, entries_closed_count FROM scoring.contests WHERE contest_id = @id FOR UPDATE", new { id = entry.ContestId }, context.Transaction);
        if (state is null) throw new MessageRejectedException($"entry {entry.EntryId} for contest {entry.ContestId}, which the referee has not seen scheduled");
        if (state != ContestLifecycle.Name(ContestState.Scheduled))
        {
            // Ingestion closes entries before the referee locks, through one ordered outbox;
            // an entry after that is a broken promise, told to an operator, not scored.
            context.RaiseAlert("scoring", AlertSeverities.Critical, "entry_after_lock", entry.EntryId,
                $"entry {entry.EntryId} reached the referee while contest {entry.ContestId} is {state}; it is not scored", entry.EntryId);
            return;
        }
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO scoring.entries (entry_id, contest_id, player_id, lineup) VALUES (@EntryId, @ContestId, @PlayerId, @lineup)
            ON CONFLICT (entry_id) DO NOTHING
            """, new { entry.EntryId, entry.ContestId, entry.PlayerId, lineup = entry.Lineup?.ToArray() }, context.Transaction);
        if (inserted == 1) context.OnCommitted(() => memory.AddEntry(entry.ContestId, entry.EntryId, entry.PlayerId, entry.Lineup));
        // Only an entry arriving after the close can complete the frozen list; counting the
        // contest's entries on every entry would make a large contest quadratic.
        if (closedCount is not null) await Referee.AdvanceAsync(context, memory, entry.ContestId);
    }
}

/// <summary>Ingestion stopped taking entries: once every one of them is here, the contest locks (or is cancelled, under-filled).</summary>
public sealed class EntriesClosedHandler(ScoringState memory) : IMessageHandler
{
    public string MessageType => EntriesClosed.MessageType;
    public int SchemaVersionMax => EntriesClosed.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var closed = message.Body<EntriesClosed>();
        var updated = await context.Connection.ExecuteAsync(
            "UPDATE scoring.contests SET entries_closed_count = @EntryCount WHERE contest_id = @ContestId",
            closed, context.Transaction);
        if (updated != 1) throw new MessageRejectedException($"entries closed for contest {closed.ContestId}, which the referee has not seen scheduled");
        await Referee.AdvanceAsync(context, memory, closed.ContestId);
    }
}

/// <summary>An operator's cancel, passed on by Ingestion; legal only before the contest is live.</summary>
public sealed class CancelRequestedHandler(ScoringState memory) : IMessageHandler
{
    public string MessageType => ContestCancelRequested.MessageType;
    public int SchemaVersionMax => ContestCancelRequested.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var request = message.Body<ContestCancelRequested>();
        await context.Connection.ExecuteAsync("UPDATE scoring.contests SET cancel_requested = true WHERE contest_id = @ContestId",
            request, context.Transaction);
        await Referee.AdvanceAsync(context, memory, request.ContestId);
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Ingestion.Store;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Accepts a contest definition that passes every rule and schedules it; refuses one that
/// does not with every reason listed (it goes to <c>contests.dlq</c> with an alert). The same
/// definition again is a no-op; the same id with other content is refused.
/// </summary>
public sealed class ContestDefinedHandler : IMessageHandler
{
    public string MessageType => ContestDefined.MessageType;
    public int SchemaVersionMax => ContestDefined.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Body<ContestDefined>();
        if (message.Key != definition.ContestId)
            throw new MessageRejectedException($"message key '{message.Key}' is not the contest id '{definition.ContestId}'");
        var canonical = JsonSerializer.SerializeToUtf8Bytes(definition, OutgoingMessage.Json);
        var hash = Convert.ToHexStringLower(SHA256.HashData(canonical));

        var existing = await context.Connection.QueryFirstOrDefaultAsync<string>(
            "SELECT definition_hash FROM ingestion.contests WHERE contest_id = @id", new { id = definition.ContestId }, context.Transaction);
        if (existing == hash) return;
        if (existing is not null)
            throw new MessageRejectedException($"contest {definition.ContestId} is already defined with different content; a definition cannot change");

        var games = await IngestionStore.KnownGamesAsync(context, definition.GameIds ?? []);
        var reasons = ContestValidator.Validate(definition, games, context.Clock.GetUtcNow());
        if (reasons.Count > 0)
            throw new MessageRejectedException($"contest {definition.ContestId} rejected: {ContestValidator.Join(reasons)}");

        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.contests (contest_id, definition, definition_hash, lock_at, entry_fee_minor, currency, status, accepted_at)
            VALUES (@ContestId, @definition::jsonb, @hash, @LockAt, @EntryFeeMinor, @Currency, 'open', @now);
            INSERT INTO ingestion.contest_games (contest_id, game_id) SELECT @ContestId, unnest(@GameIds);
            """,
            new { definition.ContestId, definition = System.Text.Encoding.UTF8.GetString(canonical), hash, definition.LockAt,
                definition.EntryFeeMinor, definition.Currency, now, GameIds = definition.GameIds!.ToArray() /* validated non-empty */ },
            context.Transaction);
        context.Publish(message.Envelope, Topics.ContestLifecycle, definition.ContestId,
            ContestScheduled.MessageIdFor(definition.ContestId), ContestScheduled.MessageType, ContestScheduled.SchemaVersion,
            new ContestScheduled(definition));
    }
}

/// <summary>
/// An operator's cancel of a contest that has not gone live: entries stop at once, and the
/// request is passed on the contest's timeline for the referee to apply.
/// </summary>
public sealed class ContestCancelRequestedHandler : IMessageHandler
{
    public string MessageType => ContestCancelRequested.MessageType;
    public int SchemaVersionMax => ContestCancelRequested.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var request = message.Body<ContestCancelRequested>();
        var status = await context.Connection.QueryFirstOrDefaultAsync<string>(
            "SELECT status FROM ingestion.contests WHERE contest_id = @id FOR UPDATE", new { id = request.ContestId }, context.Transaction)
            ?? throw new MessageRejectedException($"cannot cancel unknown contest {request.ContestId}");
        var started = await context.Connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM ingestion.contest_games cg JOIN ingestion.games g USING (game_id)
                           WHERE cg.contest_id = @id AND g.status IN ('started', 'ended'))
            """, new { id = request.ContestId }, context.Transaction);
        if (started) throw new MessageRejectedException($"cannot cancel contest {request.ContestId}: a covered game has started, so it is live");
        if (status == "cancelled") return;
        await context.Connection.ExecuteAsync("UPDATE ingestion.contests SET status = 'cancelled' WHERE contest_id = @id",
            new { id = request.ContestId }, context.Transaction);
        context.Publish(message.Envelope, Topics.ContestLifecycle, request.ContestId,
            $"contest:{request.ContestId}:cancel-requested", ContestCancelRequested.MessageType, ContestCancelRequested.SchemaVersion, request);
    }
}

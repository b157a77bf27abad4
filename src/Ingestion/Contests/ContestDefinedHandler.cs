using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
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
/// definition again is a no-op; the same id with other content is refused. A definition
/// naming a game the feed has not scheduled yet is parked until its games appear
/// (ParkedContestsJob), because the feed and the contests topic are not ordered against
/// each other.
/// </summary>
public sealed class ContestDefinedHandler : IMessageHandler
{
    public string MessageType => ContestDefined.MessageType;
    public int SchemaVersionMax => ContestDefined.SchemaVersion;

    public async Task HandleAsync(IncomingMessage message, HandlerContext context, CancellationToken ct)
    {
        var definition = message.Body<ContestDefined>();
        if (message.Key != definition.ContestId)
            throw new MessageRejectedException($"message key {Show.Quote(message.Key)} is not the contest id {Show.Quote(definition.ContestId)}");
        var hash = ContestIntake.Hash(definition);

        var existing = await context.Connection.QueryFirstOrDefaultAsync<string>("""
            SELECT definition_hash FROM ingestion.contests WHERE contest_id = @id
            UNION ALL SELECT definition_hash FROM ingestion.parked_contests WHERE contest_id = @id
            """, new { id = definition.ContestId }, context.Transaction);
        if (existing == hash) return;
        if (existing is not null)
            throw new MessageRejectedException($"contest {Show.Name(definition.ContestId)} is already defined with different content; a definition cannot change");

        var games = await IngestionStore.KnownGamesAsync(context, definition.GameIds ?? []);
        var now = context.Clock.GetUtcNow();
        // Parked only when its games not scheduled yet are all that stands in its way: a
        // definition wrong in any other respect is refused now, every reason listed.
        var awaited = (definition.GameIds ?? []).Where(g => !string.IsNullOrWhiteSpace(g) && !games.ContainsKey(g)).ToHashSet(StringComparer.Ordinal);
        if (awaited.Count > 0 && ContestValidator.Validate(definition, games, now, awaited).Count == 0)
        {
            await context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.parked_contests (contest_id, definition_hash, message_id, payload, headers, kafka_topic, kafka_partition, kafka_offset, parked_at)
                VALUES (@ContestId, @hash, @MessageId, @payload, @headers::jsonb, @Topic, @Partition, @Offset, @now)
                """, new { definition.ContestId, hash, message.Envelope.MessageId, payload = message.Value, headers = HeaderJson.Write(message.Headers),
                    message.Topic, message.Partition, message.Offset, now }, context.Transaction);
            return;
        }
        var reasons = ContestValidator.Validate(definition, games, now);
        if (reasons.Count > 0)
            throw new MessageRejectedException($"contest {Show.Name(definition.ContestId)} rejected: {ContestValidator.Join(reasons)}");
        await ContestIntake.ScheduleAsync(context, message.Envelope, definition, hash);
    }
}

/// <summary>What accepting a valid definition does, wherever it was decided.</summary>
public static class ContestIntake
{
    public static string Hash(ContestDefined definition) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(definition, OutgoingMessage.Json)));

    public static async Task ScheduleAsync(HandlerContext context, Envelope cause, ContestDefined definition, string hash)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.contests (contest_id, definition, definition_hash, lock_at, entry_fee_minor, currency, status, accepted_at)
            VALUES (@ContestId, @definition::jsonb, @hash, @LockAt, @EntryFeeMinor, @Currency, 'open', @now);
            INSERT INTO ingestion.contest_games (contest_id, game_id) SELECT @ContestId, unnest(@GameIds);
            """,
            new { definition.ContestId, definition = JsonSerializer.Serialize(definition, OutgoingMessage.Json), hash, definition.LockAt,
                definition.EntryFeeMinor, definition.Currency, now, GameIds = definition.GameIds!.ToArray() /* validated non-empty */ },
            context.Transaction);
        context.Publish(cause, Topics.ContestLifecycle, definition.ContestId,
            ContestScheduled.MessageIdFor(definition.ContestId), ContestScheduled.MessageType, ContestScheduled.SchemaVersion,
            new ContestScheduled(definition));
    }
}

/// <summary>
/// Decides parked definitions: scheduled (or refused with every reason) once the feed has
/// scheduled all their games, or refused when their games have not appeared within
/// <see cref="ParkedForMax"/>. A refused one is dead-lettered as it arrived, with an alert.
/// </summary>
public sealed class ParkedContestsJob : IPeriodicJob
{
    public static readonly TimeSpan ParkedForMax = TimeSpan.FromMinutes(10);
    public const int ContestsPerRunMax = 100;

    public string Name => "parked-contests";
    public TimeSpan Interval => TimeSpan.FromMilliseconds(500);

    public async Task RunAsync(HandlerContext context, CancellationToken ct)
    {
        var now = context.Clock.GetUtcNow();
        var parked = await context.Connection.QueryAsync<ParkedRow>("""
            SELECT contest_id, definition_hash AS hash, message_id, payload, headers::text AS headers,
                   kafka_topic AS topic, kafka_partition AS partition, kafka_offset AS "offset", parked_at
            FROM ingestion.parked_contests ORDER BY parked_at LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { limit = ContestsPerRunMax }, context.Transaction);
        foreach (var p in parked)
        {
            // One parked definition that cannot be decided must not hold up the others: this
            // job decides them all in one transaction, and a throw would undo every decision.
            ContestDefined? definition;
            string? unreadable = null;
            try
            {
                definition = JsonSerializer.Deserialize<ContestDefined>(p.Payload, OutgoingMessage.Json);
            }
            catch (JsonException e)
            {
                definition = null;
                unreadable = IncomingMessage.OneLine(e.Message);
            }
            if (definition is null)
            {
                await UnparkAsync(context, p);
                Refuse(context, p, $"contest {Show.Name(p.ContestId)} rejected: its parked definition is no longer readable: {unreadable ?? "JSON null"}");
                continue;
            }
            var games = await IngestionStore.KnownGamesAsync(context, definition.GameIds);
            var expired = now - new DateTimeOffset(DateTime.SpecifyKind(p.ParkedAt, DateTimeKind.Utc)) > ParkedForMax;
            if (!expired && definition.GameIds.Any(g => g is not null && !games.ContainsKey(g))) continue;

            await UnparkAsync(context, p);
            var reasons = ContestValidator.Validate(definition, games, now);
            if (reasons.Count == 0)
            {
                var cause = new Envelope(p.MessageId, ContestDefined.MessageType, ContestDefined.SchemaVersion, p.MessageId, null, now);
                await ContestIntake.ScheduleAsync(context, cause, definition, p.Hash);
                continue;
            }
            Refuse(context, p, $"contest {Show.Name(definition.ContestId)} rejected{(expired ? $" after waiting {ParkedForMax.TotalMinutes:F0} min for its games" : "")}: {ContestValidator.Join(reasons)}");
        }
    }

    private sealed record ParkedRow(string ContestId, string Hash, string MessageId, byte[] Payload, string Headers, string Topic, int Partition, long Offset, DateTime ParkedAt);

    private static Task UnparkAsync(HandlerContext context, ParkedRow p) =>
        context.Connection.ExecuteAsync("DELETE FROM ingestion.parked_contests WHERE contest_id = @ContestId", new { p.ContestId }, context.Transaction);

    /// <summary>A parked definition refused: dead-lettered as the message it arrived as, and alerted.</summary>
    private static void Refuse(HandlerContext context, ParkedRow p, string reason)
    {
        context.Publish(DeadLetters.Create("ingestion.contests", p.MessageId, p.Topic, p.Partition, p.Offset,
            Encoding.UTF8.GetBytes(p.ContestId), p.Payload, HeaderJson.Read(p.Headers), ContestDefined.MessageType, reason, null, 1));
        context.RaiseAlert("ingestion", AlertSeverities.Warning, "dead_letter", $"{p.Topic}/{p.MessageId}", reason, $"{p.MessageId}:{p.Offset}");
    }
}

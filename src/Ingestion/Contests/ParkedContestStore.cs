using ContestPipeline.Contracts.Contests;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Ingestion.Contests;

/// <summary>
/// Definitions waiting for their games (<see cref="DecideParkedContestsJob"/>), kept as the message they
/// arrived as so that a refused one is dead-lettered whole.
/// </summary>
public static class ParkedContestStore
{
    public sealed record ParkedRow(string ContestId, string Hash, string MessageId, byte[] Payload, string Headers,
        string Topic, int Partition, long Offset, DateTime ParkedAt);

    public static Task ParkAsync(TransactionContext context, ContestDefined definition, string hash,
        IncomingMessage message) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.parked_contests (contest_id, definition_hash, message_id, payload, headers,
                kafka_topic, kafka_partition, kafka_offset, parked_at)
            VALUES (@ContestId, @hash, @MessageId, @payload, @headers::jsonb, @Topic, @Partition, @Offset, @now)
            """, new
            {
                definition.ContestId, hash, message.Envelope.MessageId, payload = message.Value,
                headers = HeaderJson.Write(message.Headers),
                message.Topic, message.Partition, message.Offset, now = context.Clock.GetUtcNow(),
            }, context.Transaction);

    public static async Task<IReadOnlyList<ParkedRow>> ParkedContestsAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<ParkedRow>("""
            SELECT contest_id, definition_hash AS hash, message_id, payload, headers::text AS headers,
                   kafka_topic AS topic, kafka_partition AS partition, kafka_offset AS "offset", parked_at
            FROM ingestion.parked_contests ORDER BY parked_at LIMIT @limit FOR UPDATE SKIP LOCKED
            """, new { limit }, context.Transaction)];

    public static Task UnparkAsync(TransactionContext context, string contestId) =>
        context.Connection.ExecuteAsync("DELETE FROM ingestion.parked_contests WHERE contest_id = @contestId",
            new { contestId }, context.Transaction);
}

using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Infrastructure;

/// <summary>What a job run directly put in a worker's outbox, read back as messages of one type.</summary>
public static class TestOutbox
{
    public static async Task<List<T>> MessagesAsync<T>(NpgsqlDataSource db, string schema) where T : IMessage
    {
        await using var conn = await db.OpenConnectionAsync();
        var payloads = await conn.QueryAsync<byte[]>(
            $"SELECT payload FROM {schema}.outbox WHERE message_type = @type ORDER BY id", new { type = T.Type });
        return [.. payloads.Select(p => JsonSerializer.Deserialize<T>(p, OutgoingMessage.Json)!)];
    }
}

using ContestPipeline.Plumbing.Database;
using Npgsql;

namespace ContestPipeline.Plumbing.Messaging;

/// <summary>
/// The rewinds a worker applied, in its schema's <c>consumer_rewinds</c> (plumbing/0009), recorded in the same
/// transaction as the positions they lowered (<see cref="ConsumerPositionStore.LowerAsync"/>).
/// </summary>
internal sealed class ConsumerRewindStore(string schema)
{
    private readonly string _table = SqlNames.Identifier(schema) + ".consumer_rewinds";

    /// <summary>Whether <paramref name="requestId"/> was applied.</summary>
    public async Task<bool> AppliedAsync(NpgsqlConnection conn, string requestId)
    {
        await using var cmd = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_table} WHERE request_id = @id)", conn);
        cmd.Parameters.AddWithValue("id", requestId);
        return (bool)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
    }

    /// <summary>Records <paramref name="requestId"/> as applied; false when it was applied before.</summary>
    public async Task<bool> RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string requestId,
        string consumer, string @operator, string reason)
    {
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO {_table} (request_id, consumer, operator, reason) VALUES (@id, @consumer, @operator, @reason)
            ON CONFLICT (request_id) DO NOTHING
            """, conn, tx);
        cmd.Parameters.AddWithValue("id", requestId);
        cmd.Parameters.AddWithValue("consumer", consumer);
        cmd.Parameters.AddWithValue("operator", @operator);
        cmd.Parameters.AddWithValue("reason", reason);
        return await cmd.ExecuteNonQueryAsync(CancellationToken.None) == 1;
    }
}

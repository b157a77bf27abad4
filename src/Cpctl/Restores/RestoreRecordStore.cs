using ContestPipeline.Plumbing.Database;
using Dapper;
using Npgsql;

namespace ContestPipeline.Cpctl.Restores;

/// <summary>
/// A worker schema's restores table (plumbing/0007) as cpctl writes it, as the migrator: one row per restore of the
/// schema from a copy.
/// </summary>
public static class RestoreRecordStore
{
    /// <summary>Records a restore; it starts unreconciled.</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, string schema, string id,
        DateTimeOffset copyTakenAt, DateTimeOffset recordedAt, string @operator, string reason) =>
        await connection.ExecuteAsync($"""
            INSERT INTO {SqlNames.Identifier(schema)}.restores (id, copy_taken_at, recorded_at, operator, reason)
            VALUES (@id, @copyTakenAt, @recordedAt, @operator, @reason)
            """, new { id, copyTakenAt, recordedAt, @operator, reason });

    /// <summary>
    /// When the schema's outbox last wrote a row (null: none kept): a restored schema holds nothing written after its
    /// copy was taken, unless its worker ran before the restore was recorded or the copy's time is wrong.
    /// </summary>
    public static Task<DateTimeOffset?> LastWrittenAsync(NpgsqlConnection connection, string schema) =>
        connection.ExecuteScalarAsync<DateTimeOffset?>(
            $"SELECT max(created_at) FROM {SqlNames.Identifier(schema)}.outbox");

    /// <summary>The schema's restores not reconciled yet (the worker reconciles them as it starts).</summary>
    public static Task<long> UnreconciledAsync(NpgsqlConnection connection, string schema) =>
        connection.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {SqlNames.Identifier(schema)}.restores WHERE reconciled_at IS NULL");
}

using Dapper;
using Npgsql;

namespace ContestPipeline.Tests.Architecture.Samples;

/// <summary>SQL where it does not belong, for the SQL finder to find (never run).</summary>
public static class HandlerWithSql
{
    public static Task<long> CountAsync(NpgsqlConnection connection, string schema) =>
        connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {schema}.entries WHERE accepted");

    public static string Touch(string contest) =>
        $"UPDATE operations.contests SET state_at = now() WHERE contest_id = '{contest}'";

    public static NpgsqlCommand Command(NpgsqlConnection connection, string text) => new(text, connection);

    public static string Reason(string contest) => $"contest {contest} is selected for an update from the feed";
}

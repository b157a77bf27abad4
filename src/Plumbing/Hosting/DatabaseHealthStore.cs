using Npgsql;

namespace ContestPipeline.Plumbing.Hosting;

/// <summary>The one query of the database health check: the cheapest that proves the database answers.</summary>
internal static class DatabaseHealthStore
{
    public static async Task AnswerAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        await cmd.ExecuteScalarAsync(ct);
    }
}

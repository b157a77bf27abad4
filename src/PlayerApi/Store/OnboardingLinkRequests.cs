using Dapper;
using Npgsql;

namespace ContestPipeline.PlayerApi.Store;

/// <summary>A request's answer from Payout: <see cref="Outcome"/> is null while it waits.</summary>
public sealed record OnboardingLinkAnswer(string? Outcome, string? Url, DateTimeOffset? ExpiresAt, string? Reason);

/// <summary>
/// The read API's side of payout.onboarding_link_requests: it adds a request and reads the answer Payout writes;
/// its role may insert and read that table and nothing else of Payout's (Workers.Payout's grants).
/// </summary>
public sealed class OnboardingLinkRequests(NpgsqlDataSource dataSource)
{
    public async Task AddAsync(string requestId, string playerId, DateTimeOffset now)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO payout.onboarding_link_requests (request_id, player_id, requested_at)
            VALUES (@requestId, @playerId, @now)
            """, new { requestId, playerId, now });
    }

    public async Task<OnboardingLinkAnswer?> AnswerAsync(string requestId)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<OnboardingLinkAnswer>(
            """
            SELECT outcome, url, expires_at, reason FROM payout.onboarding_link_requests WHERE request_id = @requestId
            """,
            new { requestId });
    }
}

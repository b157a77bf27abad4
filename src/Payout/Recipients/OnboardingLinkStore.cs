using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.onboarding_link_requests: the platform's requests for a fresh onboarding link, added by its read API and
/// answered here, with a new link or with why not (no such recipient, already onboarded, Stripe refused).
/// </summary>
public static class OnboardingLinkStore
{
    /// <summary>A request for a player whose account is still onboarding, claimed for a lease.</summary>
    public sealed record Wanted(string RequestId, string PlayerId, string AccountId);

    /// <summary>
    /// Answers at once the waiting requests no link can be made for (no connected account, or one that can already
    /// receive), then claims up to <paramref name="limit"/> of the rest for <paramref name="lease"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Wanted>> ClaimAsync(TransactionContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            UPDATE payout.onboarding_link_requests q
            SET outcome = CASE WHEN r.player_id IS NULL THEN 'unknown' ELSE 'onboarded' END,
                reason = CASE WHEN r.player_id IS NULL
                    THEN 'no connected account is being onboarded for this player (no prize of theirs waits for one)'
                    ELSE 'the player''s account has finished onboarding and can receive payouts' END,
                answered_at = @now
            FROM payout.onboarding_link_requests w LEFT JOIN payout.recipients r ON r.player_id = w.player_id
            WHERE q.request_id = w.request_id AND q.outcome IS NULL AND (r.player_id IS NULL OR r.can_receive)
            """, new { now }, context.Transaction);
        return [.. await context.Connection.QueryAsync<Wanted>("""
            UPDATE payout.onboarding_link_requests q SET claimed_until = @until
            FROM payout.recipients r
            WHERE r.player_id = q.player_id AND q.request_id IN (
                SELECT request_id FROM payout.onboarding_link_requests
                WHERE outcome IS NULL AND (claimed_until IS NULL OR claimed_until <= @now)
                ORDER BY requested_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING q.request_id, q.player_id, r.account_id
            """, new { now, until = now + lease, limit }, context.Transaction)];
    }

    public static Task<int> RenewAsync(TransactionContext context, IReadOnlyCollection<string> requestIds,
        DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.onboarding_link_requests SET claimed_until = @until
            WHERE request_id = ANY(@ids) AND outcome IS NULL AND claimed_until < @until
            """, new { ids = requestIds.ToArray(), until }, context.Transaction);

    /// <summary>The new link: the request's answer, and the player's latest link.</summary>
    public static async Task AnswerAsync(TransactionContext context, Wanted request, string url,
        DateTimeOffset expiresAt)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            UPDATE payout.onboarding_link_requests
            SET outcome = 'link', url = @url, expires_at = @expiresAt, answered_at = @now
            WHERE request_id = @RequestId AND outcome IS NULL
            """, new DynamicParameters(request).With(new { url, expiresAt, now }), context.Transaction);
        await context.Connection.ExecuteAsync(
            "UPDATE payout.recipients SET onboarding_url = @url, updated_at = @now WHERE player_id = @PlayerId",
            new DynamicParameters(request).With(new { url, now }), context.Transaction);
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> requests made before <paramref name="before"/>, answered or not (nobody
    /// waits for one that old); how many it deleted.
    /// </summary>
    public static Task<int> PurgeAsync(TransactionContext context, DateTimeOffset before, int limit) =>
        context.Connection.ExecuteAsync("""
            DELETE FROM payout.onboarding_link_requests WHERE request_id IN (
                SELECT request_id FROM payout.onboarding_link_requests WHERE requested_at < @before
                ORDER BY requested_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            """, new { before, limit }, context.Transaction);

    /// <summary>Stripe refused the link: the platform is told why, and may ask again.</summary>
    public static Task RefuseAsync(TransactionContext context, string requestId, string reason) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.onboarding_link_requests SET outcome = 'failed', reason = @reason, answered_at = @now
            WHERE request_id = @requestId AND outcome IS NULL
            """, new { requestId, reason, now = context.Clock.GetUtcNow() }, context.Transaction);
}

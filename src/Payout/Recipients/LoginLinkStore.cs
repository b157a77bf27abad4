using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.login_link_requests: the platform's requests for a link to a winner's Express dashboard, added by its read
/// API and answered here, with a new link or with why not (no connected account, one still onboarding, Stripe
/// refused).
/// </summary>
public static class LoginLinkStore
{
    /// <summary>A request for a player whose account has finished onboarding, claimed for a lease.</summary>
    public sealed record Wanted(string RequestId, string PlayerId, string AccountId);

    /// <summary>
    /// Answers at once the waiting requests no link can be made for (no connected account, or one whose holder has not
    /// finished onboarding, which Stripe refuses), then claims up to <paramref name="limit"/> of the rest for
    /// <paramref name="lease"/>. An account counts as onboarded once it can receive or was last read in any state past
    /// onboarding (needing more information, under review, pending, rejected: its details were submitted).
    /// </summary>
    public static async Task<IReadOnlyList<Wanted>> ClaimAsync(TransactionContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            UPDATE payout.login_link_requests q
            SET outcome = CASE WHEN r.player_id IS NULL THEN 'unknown' ELSE 'onboarding' END,
                reason = CASE WHEN r.player_id IS NULL
                    THEN 'no connected account exists for this player (they have won no prize that needed one)'
                    ELSE 'the player''s account has not finished onboarding: ask for an onboarding link instead' END,
                answered_at = @now
            FROM payout.login_link_requests w LEFT JOIN payout.recipients r ON r.player_id = w.player_id
            WHERE q.request_id = w.request_id AND q.outcome IS NULL
                AND (r.player_id IS NULL
                    OR (NOT r.can_receive AND coalesce(r.account_state, @onboarding) IN (@onboarding, @refused)))
            """, new { now, onboarding = RecipientAccountStates.Onboarding, refused = RecipientAccountStates.Refused },
            context.Transaction);
        return [.. await context.Connection.QueryAsync<Wanted>("""
            UPDATE payout.login_link_requests q SET claimed_until = @until
            FROM payout.recipients r
            WHERE r.player_id = q.player_id AND q.request_id IN (
                SELECT request_id FROM payout.login_link_requests
                WHERE outcome IS NULL AND (claimed_until IS NULL OR claimed_until <= @now)
                ORDER BY requested_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            RETURNING q.request_id, q.player_id, r.account_id
            """, new { now, until = now + lease, limit }, context.Transaction)];
    }

    public static Task<int> RenewAsync(TransactionContext context, IReadOnlyCollection<string> requestIds,
        DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.login_link_requests SET claimed_until = @until
            WHERE request_id = ANY(@ids) AND outcome IS NULL AND claimed_until < @until
            """, new { ids = requestIds.ToArray(), until }, context.Transaction);

    /// <summary>The new link, as the request's answer (kept nowhere else).</summary>
    public static Task AnswerAsync(TransactionContext context, Wanted request, string url) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.login_link_requests SET outcome = 'link', url = @url, answered_at = @now
            WHERE request_id = @RequestId AND outcome IS NULL
            """, new DynamicParameters(request).With(new { url, now = context.Clock.GetUtcNow() }),
            context.Transaction);

    /// <summary>Stripe refused the link: the platform is told why, and may ask again.</summary>
    public static Task RefuseAsync(TransactionContext context, string requestId, string reason) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.login_link_requests SET outcome = 'failed', reason = @reason, answered_at = @now
            WHERE request_id = @requestId AND outcome IS NULL
            """, new { requestId, reason, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> requests made before <paramref name="before"/>, answered or not; how many
    /// it deleted.
    /// </summary>
    public static Task<int> PurgeAsync(TransactionContext context, DateTimeOffset before, int limit) =>
        context.Connection.ExecuteAsync("""
            DELETE FROM payout.login_link_requests WHERE request_id IN (
                SELECT request_id FROM payout.login_link_requests WHERE requested_at < @before
                ORDER BY requested_at LIMIT @limit FOR UPDATE SKIP LOCKED)
            """, new { before, limit }, context.Transaction);
}

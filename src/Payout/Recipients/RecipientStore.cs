using ContestPipeline.Payout.Transfers;
using ContestPipeline.Plumbing.Hosting;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Recipients;

/// <summary>
/// payout.recipients (each player's connected account and whether it can receive) and
/// payout.onboarding_claims (the players being given an account, claimed for a lease).
/// </summary>
public static class RecipientStore
{
    public static Task<RecipientView?> FindAsync(TransactionContext context, string playerId, bool forUpdate = false) =>
        context.Connection.QueryFirstOrDefaultAsync<RecipientView?>(
            $"""
            SELECT account_id, can_receive, account_created_at FROM payout.recipients WHERE player_id = @playerId
            {(forUpdate ? "FOR UPDATE" : "")}
            """, new { playerId }, context.Transaction);

    public static Task<string?> PlayerOfAccountAsync(TransactionContext context, string accountId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>(
            "SELECT player_id FROM payout.recipients WHERE account_id = @accountId",
            new { accountId }, context.Transaction);

    /// <summary>Records an account made for a player; false when the player has one already.</summary>
    public static async Task<bool> InsertAsync(TransactionContext context, string playerId,
        RecipientView account, string onboardingUrl)
    {
        var inserted = await context.Connection.ExecuteAsync("""
            INSERT INTO payout.recipients (player_id, account_id, can_receive, account_created_at, onboarding_url,
                updated_at)
            VALUES (@playerId, @AccountId, @CanReceive, @AccountCreatedAt, @onboardingUrl, @now)
            ON CONFLICT (player_id) DO NOTHING
            """, new DynamicParameters(account).With(new { playerId, onboardingUrl, now = context.Clock.GetUtcNow() }),
            context.Transaction) == 1;
        if (inserted) Counted(context, created: true, canReceive: account.CanReceive);
        return inserted;
    }

    /// <summary>The player's account as Stripe has it now.</summary>
    public static async Task UpsertAsync(TransactionContext context, string playerId, RecipientView account)
    {
        // What the row said before, to count an account created here or one that has just become able to receive.
        var (created, couldReceive) = await context.Connection.QuerySingleAsync<(bool, bool)>("""
            WITH old AS (SELECT can_receive FROM payout.recipients WHERE player_id = @playerId FOR UPDATE)
            INSERT INTO payout.recipients AS r (player_id, account_id, can_receive, account_created_at, updated_at)
            VALUES (@playerId, @AccountId, @CanReceive, @AccountCreatedAt, @now)
            ON CONFLICT (player_id) DO UPDATE SET account_id = excluded.account_id, can_receive = excluded.can_receive,
                account_created_at = excluded.account_created_at, updated_at = excluded.updated_at
            RETURNING NOT EXISTS (SELECT 1 FROM old), coalesce((SELECT can_receive FROM old), false)
            """, new DynamicParameters(account).With(new { playerId, now = context.Clock.GetUtcNow() }),
            context.Transaction);
        Counted(context, created, account.CanReceive && !couldReceive);
    }

    /// <summary>The onboarding metric (<see cref="PipelineTelemetry.Recipients"/>), once the change commits.</summary>
    private static void Counted(TransactionContext context, bool created, bool canReceive) =>
        context.OnCommitted(() =>
        {
            if (created) PipelineTelemetry.RecipientEntered("created");
            if (canReceive) PipelineTelemetry.RecipientEntered("can_receive");
        });

    /// <summary>
    /// Records where the player's account stands; true when that is a change (the first read of it included).
    /// </summary>
    public static async Task<bool> RecordStateAsync(TransactionContext context, string playerId, string accountId,
        string state, string? reason) =>
        await context.Connection.ExecuteAsync("""
            UPDATE payout.recipients SET account_state = @state, account_state_reason = @reason
            WHERE player_id = @playerId AND account_id = @accountId
              AND (account_state IS DISTINCT FROM @state OR account_state_reason IS DISTINCT FROM @reason)
            """, new { playerId, accountId, state, reason }, context.Transaction) == 1;

    /// <summary>Records why Stripe refused the player an account; true the first time for this code.</summary>
    public static async Task<bool> RecordRefusalAsync(TransactionContext context, string playerId, string code) =>
        await context.Connection.ExecuteAsync("""
            UPDATE payout.onboarding_claims SET refused_code = @code
            WHERE player_id = @playerId AND refused_code IS DISTINCT FROM @code
            """, new { playerId, code }, context.Transaction) == 1;

    public static Task MarkCannotReceiveAsync(TransactionContext context, string playerId) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.recipients SET can_receive = false, updated_at = @now WHERE player_id = @playerId",
            new { playerId, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Claims winners waiting for an account who have none, for <paramref name="lease"/>: another
    /// Payout process does not onboard them meanwhile. Returns each with a contest to name.
    /// </summary>
    public static async Task<IReadOnlyList<(string PlayerId, string ContestId)>> ClaimPlayersWithoutAccountAsync(
        TransactionContext context, int limit, TimeSpan lease)
    {
        var now = context.Clock.GetUtcNow();
        return [.. await context.Connection.QueryAsync<(string, string)>("""
            WITH wanting AS (
                SELECT p.player_id, min(p.contest_id) AS contest_id FROM payout.payouts p
                WHERE p.state = @awaiting AND NOT EXISTS (SELECT 1 FROM payout.recipients r
                    WHERE r.player_id = p.player_id)
                  AND NOT EXISTS (SELECT 1 FROM payout.onboarding_claims c
                                  WHERE c.player_id = p.player_id AND c.claimed_until > @now)
                GROUP BY p.player_id ORDER BY p.player_id LIMIT @limit),
            claimed AS (
                INSERT INTO payout.onboarding_claims (player_id, claimed_until) SELECT player_id, @until FROM wanting
                ON CONFLICT (player_id) DO UPDATE SET claimed_until = excluded.claimed_until
                WHERE onboarding_claims.claimed_until <= @now
                RETURNING player_id)
            SELECT w.player_id, w.contest_id FROM wanting w JOIN claimed c USING (player_id) ORDER BY w.player_id
            """, new { awaiting = PayoutLifecycle.Name(PayoutState.AwaitingAccount), limit, now, until = now + lease },
            context.Transaction)];
    }

    /// <summary>Keeps the onboarding claims of players whose accounts are still being made.</summary>
    public static Task<int> RenewOnboardingClaimsAsync(TransactionContext context,
        IReadOnlyCollection<string> playerIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.onboarding_claims SET claimed_until = @until WHERE player_id = ANY(@ids) AND " +
            "claimed_until < @until", new { ids = playerIds.ToArray(), until }, context.Transaction);

    /// <summary>Onboarding the player failed: no process tries again before <paramref name="retryAt"/>.</summary>
    public static Task DeferOnboardingAsync(TransactionContext context, string playerId, DateTimeOffset retryAt) =>
        context.Connection.ExecuteAsync("UPDATE payout.onboarding_claims SET claimed_until = @retryAt " +
            "WHERE player_id = @playerId", new { playerId, retryAt }, context.Transaction);
}

using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Authorizations;

/// <summary>The make-goods the operators sealed (<c>payout.make_good_grants</c>), one per payout id.</summary>
public static class MakeGoodGrantStore
{
    /// <summary>Records a grant once; the same payout id granted again keeps the first.</summary>
    public static Task RecordAsync(TransactionContext context, MakeGoodGrant g) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO payout.make_good_grants (payout_id, contest_id, entry_id, player_id, credit_minor, currency,
                proposal_id, sealed_by, recorded_at)
            VALUES (@PayoutId, @ContestId, @EntryId, @PlayerId, @CreditMinor, @Currency, @ProposalId, @SealedBy, @now)
            ON CONFLICT (payout_id) DO NOTHING
            """, new { g.PayoutId, g.ContestId, g.EntryId, g.PlayerId, g.CreditMinor, g.Currency, g.ProposalId,
                g.SealedBy, now = context.Clock.GetUtcNow() }, context.Transaction);

    public static Task<MakeGoodGrant?> FindAsync(TransactionContext context, string payoutId) =>
        context.Connection.QueryFirstOrDefaultAsync<MakeGoodGrant?>("""
            SELECT payout_id, contest_id, entry_id, player_id, credit_minor, currency, proposal_id, sealed_by
            FROM payout.make_good_grants WHERE payout_id = @payoutId
            """, new { payoutId }, context.Transaction);

    /// <summary>What the entry's make-goods ordered so far come to, whatever became of them.</summary>
    public static Task<long> OrderedForEntryAsync(TransactionContext context, string entryId) =>
        context.Connection.ExecuteScalarAsync<long>("""
            SELECT coalesce(sum(amount_minor), 0)::bigint FROM payout.payouts
            WHERE entry_id = @entryId AND payout_id LIKE @makeGoods
            """, new { entryId, makeGoods = PrizePayoutOrdered.MakeGoodIdPrefix + "%" }, context.Transaction);
}

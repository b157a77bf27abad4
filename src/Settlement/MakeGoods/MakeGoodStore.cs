using System.Text.Json;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Settlement.MakeGoods;

/// <summary>
/// Settlement's make-good tables: correction reports, their assessments, proposals, and booked make-goods.
/// </summary>
public static class MakeGoodStore
{
    /// <summary>
    /// Keeps a correction report, or finds the same one kept (a redelivery, or Scoring's rebuild reporting it
    /// again at another time); false when another report is kept under its contest and count.
    /// </summary>
    public static Task<bool> RecordReportAsync(TransactionContext context,
        StandingsCorrectionReported report, string messageId) =>
        context.Connection.ExecuteScalarAsync<bool>("""
            WITH inserted AS (
                INSERT INTO settlement.correction_reports (contest_id, corrections_so_far, report, received_at,
                    received_by)
                VALUES (@ContestId, @CorrectionsSoFar, @report::jsonb, @now, @messageId) ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
                OR EXISTS (SELECT 1 FROM settlement.correction_reports WHERE contest_id = @ContestId
                    AND corrections_so_far = @CorrectionsSoFar
                    AND report - 'reportedAt' = @report::jsonb - 'reportedAt')
            """, new { report.ContestId, report.CorrectionsSoFar, report = JsonSerializer.Serialize(report,
                OutgoingMessage.Json), messageId,
            now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// Reports not yet assessed whose contest is SETTLED or PAID (the official prizes are fixed), locked.
    /// </summary>
    public static async Task<IReadOnlyList<(StandingsCorrectionReported Report, string ReceivedBy)>> UnassessedAsync(
        TransactionContext context, int limit) =>
        [.. (await context.Connection.QueryAsync<(string Report, string ReceivedBy)>("""
            SELECT r.report::text, r.received_by FROM settlement.correction_reports r
            JOIN settlement.contests c USING (contest_id)
            WHERE r.assessment IS NULL AND c.state IN ('SETTLED', 'PAID')
            ORDER BY r.contest_id, r.corrections_so_far LIMIT @limit FOR UPDATE OF r SKIP LOCKED
            """, new { limit }, context.Transaction))
            .Select(r =>
                (JsonSerializer.Deserialize<StandingsCorrectionReported>(r.Report, OutgoingMessage.Json)!,
                r.ReceivedBy))];

    public static Task SaveAssessmentAsync(TransactionContext context, MakeGoodsAssessed a) =>
        context.Connection.ExecuteAsync("""
            UPDATE settlement.correction_reports SET assessment = @assessment::jsonb WHERE contest_id = @ContestId
            AND corrections_so_far = @CorrectionsSoFar
            """, new { a.ContestId, a.CorrectionsSoFar, assessment = JsonSerializer.Serialize(a,
                OutgoingMessage.Json) }, context.Transaction);

    public static async Task<MakeGoodsAssessed?> AssessmentAsync(TransactionContext context,
        string contestId, int correctionsSoFar)
    {
        var json = await context.Connection.QueryFirstOrDefaultAsync<string?>("""
            SELECT assessment::text FROM settlement.correction_reports WHERE contest_id = @contestId
            AND corrections_so_far = @correctionsSoFar
            """, new { contestId, correctionsSoFar }, context.Transaction);
        return json is null ? null : JsonSerializer.Deserialize<MakeGoodsAssessed>(json, OutgoingMessage.Json);
    }

    /// <summary>Make-goods booked so far per entry of a contest.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> BookedAsync(TransactionContext context,
        string contestId) =>
        (await context.Connection.QueryAsync<(string EntryId, long Amount)>("""
            SELECT entry_id, sum(net_minor)::bigint FROM settlement.payouts WHERE contest_id = @contestId
            AND make_good_of IS NOT NULL GROUP BY entry_id
            """, new { contestId }, context.Transaction)).ToDictionary(r => r.EntryId,
            r => r.Amount, StringComparer.Ordinal);

    public static Task<bool> InsertProposalAsync(TransactionContext context, MakeGoodProposed p) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO settlement.make_good_proposals
                (proposal_id, contest_id, corrections_so_far, proposed_by, reason, total_minor, proposed_at, decided_at,
                 payout_seal)
            VALUES (@DecisionId, @ContestId, @CorrectionsSoFar, @Operator, @Reason, @TotalMinor, @now, @DecidedAt,
                @seal::jsonb)
            ON CONFLICT DO NOTHING
            """, new
            {
                p.DecisionId, p.ContestId, p.CorrectionsSoFar, p.Operator, p.Reason, p.TotalMinor, p.DecidedAt,
                now = context.Clock.GetUtcNow(),
                seal = p.PayoutSeal is null ? null : JsonSerializer.Serialize(p.PayoutSeal, OutgoingMessage.Json),
            },
            context.Transaction).ContinueWith(t => t.Result == 1, TaskScheduler.Default);

    public static Task<MakeGoodProposal?> ProposalForUpdateAsync(TransactionContext context, string proposalId) =>
        context.Connection.QueryFirstOrDefaultAsync<MakeGoodProposal?>("""
            SELECT proposal_id, contest_id, corrections_so_far, proposed_by, reason, total_minor, confirmed_by,
                   decided_at, proposed_at, payout_seal::text AS payout_seal
            FROM settlement.make_good_proposals WHERE proposal_id = @proposalId FOR UPDATE
            """, new { proposalId }, context.Transaction);

    /// <summary>
    /// The latest proposal of the same contest recorded after <paramref name="p"/> for its report or a later one, if
    /// any.
    /// </summary>
    public static Task<string?> SupersededByAsync(TransactionContext context, MakeGoodProposal p) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("""
            SELECT proposal_id FROM settlement.make_good_proposals
            WHERE contest_id = @ContestId AND corrections_so_far >= @CorrectionsSoFar
              AND (proposed_at, proposal_id) > (@ProposedAt, @ProposalId)
            ORDER BY proposed_at DESC, proposal_id DESC LIMIT 1
            """, new { p.ContestId, p.CorrectionsSoFar, p.ProposedAt, p.ProposalId }, context.Transaction);

    public static Task ConfirmAsync(TransactionContext context, MakeGoodConfirmed c) =>
        context.Connection.ExecuteAsync("""
            UPDATE settlement.make_good_proposals SET confirmed_by = @Operator, confirmation_id = @DecisionId,
                confirmed_at = @now
            WHERE proposal_id = @ProposalId AND confirmed_by IS NULL
            """, new { c.Operator, c.DecisionId, c.ProposalId, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// The make-good's payout row (gross = net, no fee), beside the prizes; false when it is booked already.
    /// </summary>
    public static async Task<bool> InsertPayoutAsync(TransactionContext context, string payoutId, string contestId,
        MakeGoodItem item, long amountMinor, string currency, int correctionsSoFar) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO settlement.payouts (payout_id, contest_id, entry_id, player_id, rank, gross_minor, fee_minor,
                net_minor, currency, ordered_at, make_good_of)
            VALUES (@payoutId, @contestId, @EntryId, @PlayerId, @CorrectedRank, @amountMinor, 0, @amountMinor,
                @currency, @now, @correctionsSoFar)
            ON CONFLICT DO NOTHING
            """, new { payoutId, contestId, item.EntryId, item.PlayerId, item.CorrectedRank, amountMinor, currency,
                correctionsSoFar, now = context.Clock.GetUtcNow() },
            context.Transaction) == 1;

    public static Task<string?> PaymentIntentOfAsync(TransactionContext context, string entryId) =>
        context.Connection.QueryFirstOrDefaultAsync<string?>("SELECT payment_intent_id FROM settlement.entries " +
            "WHERE entry_id = @entryId", new { entryId }, context.Transaction);
}

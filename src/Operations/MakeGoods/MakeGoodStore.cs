using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using static ContestPipeline.Operations.ReadModelStore;

namespace ContestPipeline.Operations.MakeGoods;

/// <summary>
/// Make-goods after a late correction: Settlement's assessment of each correction report, and the proposal an
/// approver made of it and its confirmation by a second one.
/// </summary>
public static class MakeGoodStore
{
    public static Task MakeGoodsAssessedAsync(HandlerContext context, MakeGoodsAssessed assessed) =>
        ExecuteAsync(context, """
            INSERT INTO operations.make_goods (contest_id, corrections_so_far, assessment, assessed_at)
            VALUES (@ContestId, @CorrectionsSoFar, @assessment::jsonb, @AssessedAt) ON CONFLICT DO NOTHING
            """,
            new { assessed.ContestId, assessed.CorrectionsSoFar, assessment = Json(assessed), assessed.AssessedAt });

    public static Task MakeGoodProposedAsync(HandlerContext context, MakeGoodProposed proposed) =>
        ExecuteAsync(context, """
            INSERT INTO operations.make_good_proposals (proposal_id, contest_id, corrections_so_far, total_minor,
                currency, proposed_by, reason,
                proposed_at)
            VALUES (@DecisionId, @ContestId, @CorrectionsSoFar, @TotalMinor, @Currency, @Operator, @Reason, @DecidedAt)
            ON CONFLICT DO NOTHING
            """, proposed);

    /// <summary>
    /// Confirmed by a second approver only: a proposer confirming their own proposal changes nothing here either.
    /// </summary>
    public static Task MakeGoodConfirmedAsync(HandlerContext context, MakeGoodConfirmed confirmed) =>
        ExecuteAsync(context, """
            UPDATE operations.make_good_proposals SET confirmed_by = @Operator, confirmed_at = @DecidedAt
            WHERE proposal_id = @ProposalId AND confirmed_by IS NULL AND lower(proposed_by) <> lower(@Operator)
            """, confirmed);
}

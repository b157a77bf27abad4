using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Controls;

/// <summary>
/// payout.release_approvals: the approvals of releases that need two operators (the two-person rule), each
/// bound to the hold kind and payout version it was given for.
/// </summary>
public static class ApprovalStore
{
    /// <summary>
    /// Records one approval (a decision seen again is one approval), given by <paramref name="approver"/>, the
    /// operator whose own key signed it; returns the open approvals of the payout (not yet spent on a release).
    /// </summary>
    public static async Task<IReadOnlyList<ReleaseApproval>> AddAsync(TransactionContext context, PayoutReviewDecided d,
        string approver)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.release_approvals
                (payout_id, operator, decision_id, reason, approved_at, hold_kind, payout_version)
            VALUES (@PayoutId, @approver, @DecisionId, @Reason, @at, @HoldKind, @PayoutVersion) ON CONFLICT DO NOTHING
            """, new { d.PayoutId, approver, d.DecisionId, d.Reason, at = ReleaseApprovals.GivenAt(d.DecidedAt, now),
                d.HoldKind, d.PayoutVersion }, context.Transaction);
        var rows = await context.Connection.QueryAsync<Row>("""
            SELECT operator, decision_id, hold_kind, payout_version, approved_at FROM payout.release_approvals
            WHERE payout_id = @PayoutId AND used_at IS NULL ORDER BY approved_at, decision_id
            """, new { d.PayoutId }, context.Transaction);
        return [.. rows.Select(r =>
            new ReleaseApproval(r.Operator, r.DecisionId, r.HoldKind, r.PayoutVersion, r.ApprovedAt))];
    }

    private sealed class Row
    {
        public string Operator { get; init; } = "";
        public string DecisionId { get; init; } = "";
        public string? HoldKind { get; init; }
        public int? PayoutVersion { get; init; }
        public DateTimeOffset ApprovedAt { get; init; }
    }

    /// <summary>The open approvals were spent on a release: the next release needs two again.</summary>
    public static Task UseAsync(TransactionContext context, string payoutId) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.release_approvals SET used_at = @now WHERE payout_id = @payoutId AND used_at IS NULL",
            new { payoutId, now = context.Clock.GetUtcNow() }, context.Transaction);
}

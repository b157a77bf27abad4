using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Controls;

/// <summary>
/// payout.dispatch and payout.halts: the emergency stop's state, every halt applied, and how many different
/// operators' resumes end each (two for a halt made automatically after repeated disputes).
/// </summary>
public static class DispatchStore
{
    /// <summary>The subject an automatic halt's resumes are approved under, in payout.release_approvals.</summary>
    public static string ApprovalSubject(string haltId) => "halt:" + haltId;

    /// <summary>What an approval of a resume names as the hold it decides.</summary>
    public const string ApprovalHoldKind = "halt";

    /// <summary>
    /// Whether automated transfers and refunds are halted. Read FOR SHARE in the claiming
    /// transaction: a halt being applied waits for a claim in progress, and a claim after the
    /// halt committed sees it.
    /// </summary>
    public static Task<bool> HaltedAsync(TransactionContext context) =>
        context.Connection.ExecuteScalarAsync<bool>("SELECT halted FROM payout.dispatch FOR SHARE",
            transaction: context.Transaction);

    /// <summary>
    /// Whether transfers and refunds are halted, read without a lock: just before each call, where a halt committed
    /// before the read is seen all the same, and a lock shared by every call of every instance would cost each one a
    /// write.
    /// </summary>
    public static Task<bool> HaltedNowAsync(TransactionContext context) =>
        context.Connection.ExecuteScalarAsync<bool>("SELECT halted FROM payout.dispatch",
            transaction: context.Transaction);

    /// <summary>
    /// The stop as it stands, locked: halted or not, and the decision that made it so (the halt in force while halted).
    /// </summary>
    public static Task<(bool Halted, string? DecisionId)> CurrentAsync(TransactionContext context) =>
        context.Connection.QuerySingleAsync<(bool, string?)>(
            "SELECT halted, decision_id FROM payout.dispatch FOR UPDATE",
            transaction: context.Transaction);

    /// <summary>Records a halt; false when it is known already (applied before: a replay or a re-drive).</summary>
    public static async Task<bool> RecordHaltAsync(TransactionContext context, PayoutDispatchDecided d, string topic) =>
        await context.Connection.ExecuteAsync("""
            INSERT INTO payout.halts (halt_id, operator, reason, topic, decided_at, applied_at)
            VALUES (@DecisionId, @Operator, @Reason, @topic, @DecidedAt, @now) ON CONFLICT (halt_id) DO NOTHING
            """, new { d.DecisionId, d.Operator, d.Reason, topic, d.DecidedAt, now = context.Clock.GetUtcNow() },
            context.Transaction) == 1;

    /// <summary>Whether a halt of this id was ever applied, and by which decision it ended.</summary>
    public static Task<(string HaltId, string? EndedBy)?> HaltAsync(TransactionContext context, string haltId) =>
        context.Connection.QueryFirstOrDefaultAsync<(string, string?)?>(
            "SELECT halt_id, ended_by FROM payout.halts WHERE halt_id = @haltId", new { haltId }, context.Transaction);

    /// <summary>Ends the halt in force with a resume.</summary>
    public static Task EndHaltAsync(TransactionContext context, string haltId, string resumeId) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.halts SET ended_by = @resumeId, ended_at = @now WHERE halt_id = @haltId",
            new { haltId, resumeId, now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>Sets the stop to a decision: halted by a halt (the halt in force), or running after a resume.</summary>
    public static Task SetAsync(TransactionContext context, PayoutDispatchDecided d, bool halted) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.dispatch SET halted = @halted, decision_id = @DecisionId, operator = @Operator,
                reason = @Reason, changed_at = @now
            """, new { halted, d.DecisionId, d.Operator, d.Reason, now = context.Clock.GetUtcNow() },
            context.Transaction);

    public static void PublishChanged(TransactionContext context, PayoutDispatchDecided d, bool halted) =>
        context.Publish(Topics.PayoutsStatus, PayoutDispatchDecided.Key,
            PayoutDispatchChanged.MessageIdFor(d.DecisionId),
            new PayoutDispatchChanged(d.DecisionId, halted, d.Operator, d.Reason, context.Clock.GetUtcNow()));

    /// <summary>How many different operators' resumes end the halt (1 unless it was made automatically).</summary>
    public static Task<int> ApprovalsNeededAsync(TransactionContext context, string haltId) =>
        context.Connection.ExecuteScalarAsync<int>(
            "SELECT coalesce((SELECT approvals_needed FROM payout.halts WHERE halt_id = @haltId), 1)", new { haltId },
            context.Transaction);

    /// <summary>
    /// A halt about to supersede the halt in force needs as many operators' resumes as that one did (at least). The
    /// stop's row is locked first, so an automatic halt committed meanwhile is the one read.
    /// </summary>
    public static async Task KeepApprovalsNeededAsync(TransactionContext context, string haltId)
    {
        await context.Connection.ExecuteAsync("SELECT 1 FROM payout.dispatch FOR UPDATE",
            transaction: context.Transaction);
        await context.Connection.ExecuteAsync("""
            UPDATE payout.halts SET approvals_needed = greatest(approvals_needed, coalesce(
                (SELECT h.approvals_needed FROM payout.dispatch d JOIN payout.halts h ON h.halt_id = d.decision_id
                 WHERE d.halted AND h.halt_id <> @haltId), 1))
            WHERE halt_id = @haltId
            """, new { haltId }, context.Transaction);
    }

    /// <summary>
    /// The halt ends only when <see cref="TwoOperators.Needed"/> different operators have resumed it.
    /// </summary>
    public static Task RequireTwoApprovalsAsync(TransactionContext context, string haltId) =>
        context.Connection.ExecuteAsync("UPDATE payout.halts SET approvals_needed = @needed WHERE halt_id = @haltId",
            new { haltId, needed = TwoOperators.Needed }, context.Transaction);
}

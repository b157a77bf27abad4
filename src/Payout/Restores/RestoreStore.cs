using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Restores;

/// <summary>
/// payout.restores (plumbing/0007): the restores of this schema an operator recorded (cpctl restore record), and
/// whether each has been reconciled with Stripe. While one has not, nothing is sent.
/// </summary>
public static class RestoreStore
{
    /// <summary>The restores not reconciled yet, oldest copy first.</summary>
    public static async Task<IReadOnlyList<RecordedRestore>> UnreconciledAsync(TransactionContext context) =>
        [.. await context.Connection.QueryAsync<RecordedRestore>("""
            SELECT id, copy_taken_at, recorded_at, operator FROM payout.restores
            WHERE reconciled_at IS NULL ORDER BY copy_taken_at, id
            """, transaction: context.Transaction)];

    /// <summary>
    /// Where sending stands: whether any restore is unreconciled, and the copy time of the latest restore recorded
    /// (null: the schema was never restored). A payout ordered before that time may have been paid by the process
    /// that ran before the restore, whatever its restored row says.
    /// </summary>
    public static Task<RestoreState> StateAsync(TransactionContext context) =>
        context.Connection.QueryFirstAsync<RestoreState>("""
            SELECT EXISTS (SELECT 1 FROM payout.restores WHERE reconciled_at IS NULL) AS unreconciled,
                   (SELECT copy_taken_at FROM payout.restores ORDER BY recorded_at DESC, id DESC LIMIT 1)
                       AS latest_copy_taken_at
            """, transaction: context.Transaction);

    /// <summary>Marks the restores reconciled; those reconciled meanwhile stay as they were.</summary>
    public static Task<int> MarkReconciledAsync(TransactionContext context, IReadOnlyCollection<string> ids) =>
        context.Connection.ExecuteAsync(
            "UPDATE payout.restores SET reconciled_at = @now WHERE id = ANY(@ids) AND reconciled_at IS NULL",
            new { ids = ids.ToArray(), now = context.Clock.GetUtcNow() }, context.Transaction);
}

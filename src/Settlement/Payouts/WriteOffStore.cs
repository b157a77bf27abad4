using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Settlement.Payouts;

/// <summary>Operators' requests to write off what a winner owes back on a payout: each operator's latest.</summary>
public static class WriteOffStore
{
    /// <summary>
    /// Records the operator's request, counted from <paramref name="requestedAt"/>; a later one replaces it.
    /// </summary>
    public static Task RecordAsync(TransactionContext context, ReceivableWriteOffRequested request,
        DateTimeOffset requestedAt) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO settlement.write_off_requests (payout_id, operator, amount_minor, reason, requested_at,
                recorded_at)
            VALUES (@PayoutId, @Operator, @AmountMinor, @Reason, @requestedAt, @now)
            ON CONFLICT (payout_id, operator) DO UPDATE SET amount_minor = excluded.amount_minor,
                reason = excluded.reason, requested_at = excluded.requested_at, recorded_at = excluded.recorded_at
            WHERE write_off_requests.requested_at <= excluded.requested_at
            """, new { request.PayoutId, request.Operator, request.AmountMinor, request.Reason, requestedAt,
                now = context.Clock.GetUtcNow() }, context.Transaction);

    /// <summary>
    /// The operators whose latest request for the payout asks for <paramref name="amountMinor"/> and was made after
    /// <paramref name="since"/>, in the order they asked.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AgreeingAsync(TransactionContext context, string payoutId,
        long amountMinor, DateTimeOffset since) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT operator FROM settlement.write_off_requests
            WHERE payout_id = @payoutId AND amount_minor = @amountMinor AND requested_at > @since
            ORDER BY requested_at, operator
            """, new { payoutId, amountMinor, since }, context.Transaction)];
}

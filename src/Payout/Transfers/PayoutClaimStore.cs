using ContestPipeline.Payout.Gates;
using ContestPipeline.Plumbing.Messaging;
using Dapper;

namespace ContestPipeline.Payout.Transfers;

/// <summary>
/// What the transfer job claims of payout.payouts and reads for its gates: the due payouts, locked; their
/// recipients, locked across every Payout instance; the recipient's activity; the claims' leases, and the mark of a
/// key about to be sent. None of these is a change of state: the version stays.
/// </summary>
public static class PayoutClaimStore
{
    /// <summary>
    /// A payout whose attempt has come, leased or not: dispatched, or held for a reason that resumes by itself.
    /// </summary>
    private const string AttemptCondition = """
        next_attempt_at <= @now
        AND (state = ANY(@dispatched) OR (state = @held AND hold_kind = ANY(@resuming)))
        """;

    /// <summary>A payout the transfer job should look at now: its attempt has come and no claim leases it.</summary>
    private const string DueCondition =
        AttemptCondition + " AND (lease_until IS NULL OR lease_until < @now)";

    /// <summary>Payouts the transfer job should look at now, locked (another job instance skips them).</summary>
    public static async Task<IReadOnlyList<PayoutRow>> DueAsync(TransactionContext context, int limit) =>
        [.. await context.Connection.QueryAsync<PayoutRow>($"""
            SELECT {PayoutStore.Columns} FROM payout.payouts WHERE {DueCondition}
            ORDER BY next_attempt_at, payout_id LIMIT @limit FOR UPDATE SKIP LOCKED
            """, DueParameters(context).With(new { limit }), context.Transaction)];

    /// <summary>
    /// Locks the recipients of a claim for the rest of its transaction (a transaction-scoped
    /// advisory lock per player, taken in player order so that two claims never wait on each
    /// other in a circle): a claim by another Payout instance that decides a payout of one of
    /// them waits until this claim commits, and then reads the recipient's activity with what
    /// this one claimed in it. Without it each claim would check the limits, and the spacing,
    /// against activity that leaves out the other's payout (its rows are skipped, not waited
    /// for), and N instances could pass a limit N times.
    /// </summary>
    public static Task LockRecipientsAsync(TransactionContext context, IEnumerable<string> playerIds) =>
        context.Connection.ExecuteAsync("""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))
            FROM (SELECT DISTINCT 'payout.recipient/' || p AS k FROM unnest(@players) AS x(p) ORDER BY 1) keys
            """, new { players = playerIds.ToArray() }, context.Transaction);

    /// <summary>
    /// The currencies of due payouts that will ask for the platform's balance (not those sent already).
    /// </summary>
    public static async Task<IReadOnlyList<string>> DueCurrenciesAsync(TransactionContext context) =>
        [.. await context.Connection.QueryAsync<string>(
            $"SELECT DISTINCT currency FROM payout.payouts WHERE {DueCondition} AND state <> @submitting",
            DueParameters(context).With(new { submitting = PayoutLifecycle.Name(PayoutState.Submitting) }),
            context.Transaction)];

    /// <summary>
    /// Whether a prize transfer is due or being sent now, by any instance (leased or not): what reads of the
    /// recipients' accounts give way to, so that they take no Stripe budget between two claims of a payout rush.
    /// </summary>
    public static Task<bool> TransfersUnderwayAsync(TransactionContext context) =>
        context.Connection.ExecuteScalarAsync<bool>(
            $"SELECT EXISTS (SELECT 1 FROM payout.payouts WHERE {AttemptCondition})",
            DueParameters(context), context.Transaction);

    private static DynamicParameters DueParameters(TransactionContext context) => new(new
    {
        now = context.Clock.GetUtcNow(),
        dispatched = PayoutStore.Names(PayoutLifecycle.Dispatched),
        held = PayoutLifecycle.Name(PayoutState.Held),
        resuming = PayoutLifecycle.SelfResumingHolds.Select(h => PayoutLifecycle.HoldName(h)).ToArray(),
    });

    /// <summary>
    /// The recipient's other payouts sent or being sent: in the rolling 24 hours, this calendar
    /// month (UTC) and ever, and when the last one went.
    /// </summary>
    public static async Task<RecipientActivity> ActivityAsync(TransactionContext context,
        PayoutRow payout, DateTimeOffset now)
    {
        var dayStart = now - TimeSpan.FromHours(24);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var a = await context.Connection.QueryFirstAsync<(long DayCount, long DayAmount,
            DateTime? DayOldest, long MonthAmount, long Count, long Amount, DateTime? Last)>("""
            SELECT count(*) FILTER (WHERE at >= @dayStart),
                   coalesce(sum(amount_minor) FILTER (WHERE at >= @dayStart), 0),
                   min(at) FILTER (WHERE at >= @dayStart),
                   coalesce(sum(amount_minor) FILTER (WHERE at >= @monthStart), 0),
                   count(*), coalesce(sum(amount_minor), 0), max(at)
            FROM (SELECT amount_minor, coalesce(paid_at, submitted_at) AS at FROM payout.payouts
                  WHERE player_id = @PlayerId AND currency = @Currency AND payout_id <> @PayoutId
                  AND state = ANY(@sent)) sent
            """, new { payout.PlayerId, payout.Currency, payout.PayoutId, dayStart, monthStart,
                sent = PayoutStore.Names(PayoutLifecycle.Sent) },
            context.Transaction);
        return new RecipientActivity(checked((int)a.DayCount), a.DayAmount, PayoutStore.Utc(a.DayOldest), a.MonthAmount,
            checked((int)a.Count), a.Amount, PayoutStore.Utc(a.Last));
    }

    /// <summary>
    /// Keeps the claims of payouts still being sent by this worker: their lease moves on while
    /// their Stripe calls run. Rows recorded meanwhile (lease cleared) are left alone. Not a
    /// change of state: the version stays.
    /// </summary>
    public static Task<int> RenewLeasesAsync(TransactionContext context,
        IReadOnlyCollection<string> payoutIds, DateTimeOffset until) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET lease_until = @until
            WHERE payout_id = ANY(@ids) AND state = @submitting AND lease_until IS NOT NULL AND lease_until < @until
            """, new { ids = payoutIds.ToArray(), until, submitting = PayoutLifecycle.Name(PayoutState.Submitting) },
            context.Transaction);

    /// <summary>
    /// Marks the payout's key as sent, in a transaction that commits before its POST: from then on nothing holds it
    /// unsent (a freeze alerts it as sent). Not a change of state: the version stays.
    /// </summary>
    public static Task MarkCalledAsync(TransactionContext context, PayoutRow payout) =>
        context.Connection.ExecuteAsync("""
            UPDATE payout.payouts SET called_key = attempt_key WHERE payout_id = @PayoutId AND attempt_key = @AttemptKey
            """, new { payout.PayoutId, payout.AttemptKey }, context.Transaction);
}

using System.Text.Json;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Dapper;
using PaymentIntent = Stripe.PaymentIntent;

namespace ContestPipeline.Ingestion.Payments;

/// <summary>
/// What Ingestion knows of payments and does with those that made no entry: every write of
/// ingestion.payments (the facts of Stripe's events or of a GET, and the daily reconciliation's
/// verdicts) and of ingestion.refund_orders, and the GET fallback's claims on the submissions whose
/// payment no event told in time.
/// </summary>
public static class PaymentStore
{
    /// <summary>
    /// PaymentIntents as Stripe answered Ingestion (a list's pages or GETs: the <paramref name="source"/>), with
    /// their latest charges' refunds and disputes, in one statement. A succeeded intent stays succeeded whatever
    /// older answer is recorded after; refunds and disputes only add.
    /// </summary>
    public static async Task RecordFactsAsync(TransactionContext context, PaymentFacts facts, string source)
    {
        var now = context.Clock.GetUtcNow();
        if (facts.Intents.Count > 0)
        {
            var intents = facts.Intents.Values.ToList();
            await context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.payments AS p (payment_intent_id, known, found, status, amount, amount_received,
                    currency, metadata, charge_id,
                    amount_refunded, disputed, source, updated_at, succeeded_at)
                SELECT u.id, true, true, u.status, u.amount, u.received, u.currency, u.metadata::jsonb, u.charge,
                    u.refunded, u.disputed, @source, @now,
                    CASE WHEN u.status = 'succeeded' THEN @now END
                FROM unnest(@ids, @statuses, @amounts, @receiveds, @currencies, @metadatas, @charges, @refundeds,
                            @disputeds)
                    AS u(id, status, amount, received, currency, metadata, charge, refunded, disputed)
                ON CONFLICT (payment_intent_id) DO UPDATE SET
                    known = true, found = true,
                    status = CASE WHEN p.known AND p.status = 'succeeded' THEN p.status ELSE excluded.status END,
                    succeeded_at = coalesce(p.succeeded_at, excluded.succeeded_at),
                    amount = excluded.amount,
                    amount_received = CASE WHEN p.known AND p.status = 'succeeded' THEN p.amount_received
                        ELSE excluded.amount_received END,
                    currency = excluded.currency, metadata = excluded.metadata,
                    charge_id = coalesce(excluded.charge_id, p.charge_id),
                    amount_refunded = greatest(p.amount_refunded, excluded.amount_refunded),
                    disputed = p.disputed OR excluded.disputed,
                    source = excluded.source, updated_at = excluded.updated_at
                """, new
            {
                now, source,
                ids = intents.Select(i => i.Id).ToArray(), statuses = intents.Select(i => i.Status).ToArray(),
                amounts = intents.Select(i => i.Amount).ToArray(),
                receiveds = intents.Select(i => i.AmountReceived).ToArray(),
                currencies = intents.Select(i => i.Currency).ToArray(),
                metadatas = intents.Select(i => JsonSerializer.Serialize(i.Metadata)).ToArray(),
                charges = intents.Select(i => i.LatestChargeId).ToArray(),
                refundeds = intents.Select(i => i.LatestCharge?.AmountRefunded ?? 0).ToArray(),
                disputeds = intents.Select(i => i.LatestCharge?.Disputed ?? false).ToArray(),
            }, context.Transaction);
        }
    }

    /// <summary>
    /// Records one read of Stripe: every intent its list showed, and its GETs' answers (found or not found; one
    /// that failed tells nothing), and answers the lookups they cover (<see cref="PaymentLookupStore.AnswerAsync"/>).
    /// Returns the PaymentIntents Stripe answered about.
    /// </summary>
    public static async Task<IReadOnlySet<string>> RecordReadAsync(TransactionContext context,
        IReadOnlyDictionary<string, PaymentIntent> listed, IReadOnlyList<PaymentReader.Answer> gets,
        DateTimeOffset readFrom)
    {
        var inList = new PaymentFacts();
        foreach (var intent in listed.Values) inList.Intent(intent);
        await RecordFactsAsync(context, inList, source: "list");
        var got = new PaymentFacts();
        foreach (var a in gets.Where(a => a.Error is null))
        {
            if (a.NotFound) await RecordNotFoundAsync(context, a.PaymentIntentId);
            else got.Intent(a.Intent!);
        }
        await RecordFactsAsync(context, got, source: "get");
        var read = listed.Keys.Concat(gets.Where(a => a.Error is null).Select(a => a.PaymentIntentId))
            .ToHashSet(StringComparer.Ordinal);
        await PaymentLookupStore.AnswerAsync(context, read, readFrom);
        return read;
    }

    /// <summary>A GET found no such PaymentIntent (an event for it may still correct that).</summary>
    public static Task RecordNotFoundAsync(TransactionContext context, string paymentIntentId) =>
        context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.payments AS p (payment_intent_id, known, found, source, updated_at)
            VALUES (@paymentIntentId, false, false, 'get', @now)
            ON CONFLICT (payment_intent_id) DO UPDATE SET found = p.known, updated_at = excluded.updated_at
            """, new { paymentIntentId, now = context.Clock.GetUtcNow() }, context.Transaction);

    // ---- reconciliation ----------------------------------------------------------------------------

    /// <summary>
    /// Contests with succeeded payments not yet reconciled that are past the grace period and
    /// that the contest can no longer take: it is closed, cancelled, or not defined (nor waiting
    /// for its games). Payments that name no contest are not a contest's to reconcile.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ContestsToReconcileAsync(TransactionContext context,
        DateTimeOffset succeededBefore, int limit) =>
        [.. await context.Connection.QueryAsync<string>("""
            SELECT p.metadata->>'contest_id' AS contest_id FROM ingestion.payments p
            WHERE p.succeeded_at IS NOT NULL AND p.reconciled_at IS NULL AND p.succeeded_at <= @succeededBefore
              AND p.metadata->>'contest_id' IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM ingestion.contests c
                              WHERE c.contest_id = p.metadata->>'contest_id' AND c.status = 'open')
              AND NOT EXISTS (SELECT 1 FROM ingestion.parked_contests k WHERE k.contest_id = p.metadata->>'contest_id')
            GROUP BY 1 ORDER BY min(p.succeeded_at), 1 LIMIT @limit
            """, new { succeededBefore, limit }, context.Transaction)];

    /// <summary>A succeeded payment to reconcile, with what became of it.</summary>
    public sealed class Unreconciled
    {
        public string PaymentIntentId { get; init; } = "";
        public string? PlayerId { get; init; }
        public long AmountReceived { get; init; }
        public long AmountRefunded { get; init; }
        public bool Disputed { get; init; }
        public string Currency { get; init; } = "";
        public DateTime SucceededAtUtc { get; init; }
        public bool Entered { get; init; }
        public bool RefundOrdered { get; init; }
        public bool SubmissionWaiting { get; init; }

        public DateTimeOffset SucceededAt => new(DateTime.SpecifyKind(SucceededAtUtc, DateTimeKind.Utc));
    }

    /// <summary>
    /// One contest's payments to reconcile, locked. The caller holds the contest's row lock (as a
    /// decision round does), so no submission of this contest becomes an entry meanwhile.
    /// </summary>
    public static async Task<IReadOnlyList<Unreconciled>> UnreconciledAsync(TransactionContext context,
        string contestId, DateTimeOffset succeededBefore, int limit) =>
        [.. await context.Connection.QueryAsync<Unreconciled>("""
            SELECT p.payment_intent_id, p.metadata->>'player_id' AS player_id,
                   coalesce(p.amount_received, 0) AS amount_received,
                   p.amount_refunded, p.disputed, coalesce(p.currency, '') AS currency,
                   p.succeeded_at AS succeeded_at_utc,
                   EXISTS (SELECT 1 FROM ingestion.entries e
                           WHERE e.payment_intent_id = p.payment_intent_id) AS entered,
                   EXISTS (SELECT 1 FROM ingestion.refund_orders r
                           WHERE r.payment_intent_id = p.payment_intent_id) AS refund_ordered,
                   EXISTS (SELECT 1 FROM ingestion.submissions s
                           WHERE s.payment_intent_id = p.payment_intent_id AND s.decided_at IS NULL)
                       AS submission_waiting
            FROM ingestion.payments p
            WHERE p.metadata->>'contest_id' = @contestId AND p.succeeded_at IS NOT NULL AND p.reconciled_at IS NULL
              AND p.succeeded_at <= @succeededBefore
            ORDER BY p.succeeded_at, p.payment_intent_id LIMIT @limit FOR UPDATE OF p
            """, new { contestId, succeededBefore, limit }, context.Transaction)];

    /// <summary>Records what the reconciliation made of each payment (one statement).</summary>
    public static Task MarkReconciledAsync(TransactionContext context,
        IReadOnlyList<(string PaymentIntentId, string How)> outcomes) =>
        context.Connection.ExecuteAsync("""
            UPDATE ingestion.payments p SET reconciled_at = @now, reconciliation = u.how
            FROM unnest(@ids, @hows) AS u(id, how) WHERE p.payment_intent_id = u.id
            """, new
            {
                now = context.Clock.GetUtcNow(),
                ids = outcomes.Select(o => o.PaymentIntentId).ToArray(),
                hows = outcomes.Select(o => o.How).ToArray(),
            }, context.Transaction);

    // ---- the fallback read ---------------------------------------------------------------------------

    /// <summary>A round's claim: the submissions to read the payment of, and how far its walk read.</summary>
    /// <param name="Claimed">Each submission with its PaymentIntent, contest, and when it was made.</param>
    /// <param name="ReadTo">
    /// Every submission due before this was looked at: the next round may start here (<see cref="ClaimFetchesAsync"/>).
    /// </param>
    public sealed record FetchClaim(IReadOnlyList<FetchClaimed> Claimed, DateTimeOffset ReadTo);

    /// <summary>A claimed submission: its PaymentIntent, its contest, and when it was made.</summary>
    public sealed record FetchClaimed(string SubmissionId, string PaymentIntentId, string ContestId,
        DateTimeOffset SubmittedAt);

    /// <summary>
    /// Claims undecided submissions whose payment no event has told by their fetch time, so one
    /// round of one worker reads each; returns their PaymentIntents. One whose event asked a lookup less than
    /// <paramref name="lease"/> ago that is not answered yet is left to <c>LookUpPaymentsJob</c>, which is
    /// reading it already; unanswered for a lease, it is claimed here too.
    /// </summary>
    /// <remarks>
    /// The walk, in fetch-time order, passes over the submissions whose payment has come and that wait only to
    /// be decided: in a rush, most of them. A round given <paramref name="from"/> (the <see cref="FetchClaim.ReadTo"/>
    /// of the round before) starts there and does not read them again; a payment that has succeeded stays
    /// succeeded, so none of them ever needs a GET. What it passes over that may need one later, a claim of
    /// another round not yet lapsed or a row another transaction held, is found by a round without
    /// <paramref name="from"/>, which reads every due submission (<c>VerifyPaymentsJob</c> runs one every few
    /// rounds). <see cref="FetchClaim.ReadTo"/> stays <paramref name="commitMargin"/> behind the clock, so a
    /// submission recorded by a transaction that committed after this one read is still ahead of the next round.
    /// </remarks>
    public static async Task<FetchClaim> ClaimFetchesAsync(TransactionContext context, int limit, TimeSpan lease,
        DateTimeOffset? from, TimeSpan commitMargin)
    {
        var now = context.Clock.GetUtcNow();
        var claimed = (await context.Connection.QueryAsync<(string, string, string, DateTime, DateTime)>("""
            UPDATE ingestion.submissions s SET fetch_claimed_until = @until, fetch_attempts = s.fetch_attempts + 1
            WHERE s.submission_id IN (
                SELECT s2.submission_id
                FROM ingestion.submissions s2 LEFT JOIN ingestion.payments p USING (payment_intent_id)
                WHERE s2.decided_at IS NULL AND s2.fetched_at IS NULL AND s2.fetch_after <= @now
                  AND s2.fetch_after >= coalesce(@from::timestamptz, '-infinity')
                  AND (s2.fetch_claimed_until IS NULL OR s2.fetch_claimed_until < @now)
                  AND NOT coalesce(p.known AND p.status = 'succeeded', false)
                  AND NOT EXISTS (SELECT 1 FROM ingestion.payment_lookups l
                      WHERE l.payment_intent_id = s2.payment_intent_id AND l.answered_at IS NULL
                        AND l.asked_at > @askedSince)
                ORDER BY s2.fetch_after LIMIT @limit FOR UPDATE OF s2 SKIP LOCKED)
            RETURNING s.submission_id, s.payment_intent_id, s.contest_id, s.fetch_after, s.submitted_at
            """, new { now, until = now + lease, limit, from, askedSince = now - lease }, context.Transaction))
            .ToList();
        var readTo = now - commitMargin;
        if (claimed.Count >= limit)
        {
            var last = Utc(claimed.Max(c => c.Item4));
            if (last < readTo) readTo = last;
        }
        return new FetchClaim([.. claimed.Select(c => new FetchClaimed(c.Item1, c.Item2, c.Item3, Utc(c.Item5)))],
            readTo);
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    /// <summary>Lets go of claims this round did not read, so the next round takes them at once.</summary>
    public static Task ReleaseFetchesAsync(TransactionContext context, IReadOnlyCollection<string> submissionIds) =>
        submissionIds.Count == 0 ? Task.CompletedTask : context.Connection.ExecuteAsync(
            "UPDATE ingestion.submissions SET fetch_claimed_until = NULL, fetch_attempts = fetch_attempts - 1 "
            + "WHERE submission_id = ANY(@ids) AND fetched_at IS NULL",
            new { ids = submissionIds.ToArray() }, context.Transaction);

    /// <summary>
    /// Stripe answered the read (a list or a GET) for these submissions, and its facts were recorded: their
    /// payment decides now.
    /// </summary>
    public static Task MarkFetchedAsync(TransactionContext context, IReadOnlyCollection<string> submissionIds) =>
        context.Connection.ExecuteAsync(
            "UPDATE ingestion.submissions SET fetched_at = @now, fetch_claimed_until = NULL "
            + "WHERE submission_id = ANY(@ids) AND decided_at IS NULL",
            new { ids = submissionIds.ToArray(), now = context.Clock.GetUtcNow() }, context.Transaction);

    // ---- refund orders ------------------------------------------------------------------------------

    /// <summary>
    /// Orders refunds of payments that made no entry, once per PaymentIntent: a round (a decision round, or
    /// the reconciliation of a contest) read every refund ordered before it under its locks.
    /// </summary>
    public static async Task OrderRefundsAsync(TransactionContext context, string contestId,
        IReadOnlyList<RefundOrdered> refunds, DateTimeOffset now)
    {
        var ordered = await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.refund_orders (payment_intent_id, refund_id, contest_id, player_id, amount_minor,
                currency, reason, ordered_at)
            SELECT * , @now FROM unnest(@pis, @ids, @contests, @players, @amounts, @currencies, @reasons)
            ON CONFLICT (payment_intent_id) DO NOTHING
            """, new
        {
            now,
            pis = refunds.Select(r => r.PaymentIntentId).ToArray(),
            ids = refunds.Select(r => r.RefundId).ToArray(),
            contests = refunds.Select(r => r.ContestId).ToArray(),
            players = refunds.Select(r => r.PlayerId).ToArray(),
            amounts = refunds.Select(r => r.AmountMinor).ToArray(),
            currencies = refunds.Select(r => r.Currency).ToArray(),
            reasons = refunds.Select(r => r.Reason).ToArray(),
        }, context.Transaction);
        // The round read every prior refund under the submissions' locks; one ordered meanwhile is a bug.
        if (ordered != refunds.Count)
            throw new ConcurrencyConflictException(
                $"contest {contestId}: {refunds.Count - ordered} refunds were ordered by another round meanwhile");
    }
}

using Charge = Stripe.Charge;
using PaymentIntent = Stripe.PaymentIntent;
using System.Text.Json;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Dapper;

namespace ContestPipeline.Ingestion.Store;

/// <summary>
/// Submissions waiting for a decision and the payment facts that decide them (Stripe's events,
/// or a GET when no event came in time). Every write of ingestion.submissions and
/// ingestion.payments is here.
/// </summary>
public static class SubmissionStore
{
    // ---- submissions ------------------------------------------------------------------------------

    /// <summary>A submission as it arrived, with the times that judge it.</summary>
    public sealed record Arrival(EntrySubmitted Submission, DateTimeOffset SubmittedAt, DateTimeOffset BrokerAt,
        string MessageId, string CorrelationId);

    /// <summary>Records submissions (a submission id seen before is left as it was).</summary>
    public static Task RecordAsync(TransactionContext context, IReadOnlyList<Arrival> arrivals,
        TimeSpan paymentEventWait)
    {
        var now = context.Clock.GetUtcNow();
        return context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.submissions (submission_id, contest_id, player_id, payment_intent_id, lineup,
                submitted_at, broker_at,
                received_at, message_id, correlation_id, fetch_after)
            SELECT u.id, u.contest, u.player, u.pi,
                   CASE WHEN u.lineup IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.lineup::jsonb)) END,
                   u.submitted, u.broker, @now, u.mid, u.cid, @fetchAfter
            FROM unnest(@ids, @contests, @players, @pis, @lineups, @submitted, @broker, @mids, @cids)
                AS u(id, contest, player, pi, lineup, submitted, broker, mid, cid)
            ON CONFLICT (submission_id) DO NOTHING
            """, new
        {
            ids = arrivals.Select(a => a.Submission.SubmissionId).ToArray(),
            contests = arrivals.Select(a => a.Submission.ContestId).ToArray(),
            players = arrivals.Select(a => a.Submission.PlayerId).ToArray(),
            pis = arrivals.Select(a => a.Submission.PaymentIntentId).ToArray(),
            lineups = arrivals
                .Select(a => a.Submission.Lineup is null ? null : JsonSerializer.Serialize(a.Submission.Lineup))
                .ToArray(),
            submitted = arrivals.Select(a => a.SubmittedAt).ToArray(),
            broker = arrivals.Select(a => a.BrokerAt).ToArray(),
            mids = arrivals.Select(a => a.MessageId).ToArray(),
            cids = arrivals.Select(a => a.CorrelationId).ToArray(),
            now,
            fetchAfter = now + paymentEventWait,
        }, context.Transaction);
    }

    /// <summary>
    /// Contests with undecided submissions that can be decided now (their payment is known, or was
    /// used already), those whose first such submission was made earliest first.
    /// </summary>
    /// <remarks>
    /// Walks each contest's undecided submissions in the order they were made and stops at its first decidable
    /// one, so a rush's backlog of decidable submissions is not read whole on every poll: the contests are
    /// found by skipping through the undecided index from one contest to the next.
    /// </remarks>
    public static async Task<IReadOnlyList<string>> ContestsWithDecidableAsync(TransactionContext context, int limit,
        IReadOnlyCollection<string> resting) =>
        [.. await context.Connection.QueryAsync<string>($"""
            WITH RECURSIVE undecided(contest_id) AS (
                (SELECT contest_id FROM ingestion.submissions WHERE decided_at IS NULL ORDER BY contest_id LIMIT 1)
                UNION ALL
                SELECT (SELECT n.contest_id FROM ingestion.submissions n
                        WHERE n.decided_at IS NULL AND n.contest_id > u.contest_id ORDER BY n.contest_id LIMIT 1)
                FROM undecided u WHERE u.contest_id IS NOT NULL)
            SELECT u.contest_id FROM undecided u
            CROSS JOIN LATERAL (
                SELECT s.submitted_at
                FROM ingestion.submissions s LEFT JOIN ingestion.payments p USING (payment_intent_id)
                WHERE s.contest_id = u.contest_id AND s.decided_at IS NULL AND ({Decidable})
                ORDER BY s.submitted_at, s.submission_id LIMIT 1) first
            WHERE u.contest_id IS NOT NULL AND NOT (u.contest_id = ANY(@resting))
            ORDER BY first.submitted_at, u.contest_id LIMIT @limit
            """, new { limit, resting = resting.ToArray() }, context.Transaction)];

    /// <summary>An undecided submission with what is known of its payment.</summary>
    public sealed class Pending
    {
        public string SubmissionId { get; init; } = "";
        public string ContestId { get; init; } = "";
        public string PlayerId { get; init; } = "";
        public string PaymentIntentId { get; init; } = "";
        public string[]? Lineup { get; init; }
        public DateTime SubmittedAtUtc { get; init; }
        public DateTime BrokerAtUtc { get; init; }
        public string MessageId { get; init; } = "";
        public string CorrelationId { get; init; } = "";
        public bool Fetched { get; init; }
        public bool? Known { get; init; }
        public bool? Found { get; init; }
        public string? Status { get; init; }
        public long? Amount { get; init; }
        public long? AmountReceived { get; init; }
        public string? Currency { get; init; }
        public string? Metadata { get; init; }
        public string? ChargeId { get; init; }
        public long? AmountRefunded { get; init; }
        public bool? Disputed { get; init; }

        public DateTimeOffset SubmittedAt => new(DateTime.SpecifyKind(SubmittedAtUtc, DateTimeKind.Utc));
        public DateTimeOffset BrokerAt => new(DateTime.SpecifyKind(BrokerAtUtc, DateTimeKind.Utc));
        public EntrySubmitted Submission =>
            new(SubmissionId, ContestId, PlayerId, PaymentIntentId, Lineup, SubmittedAt);

        /// <summary>
        /// Succeeded by Stripe's word, or answered by a GET made for this submission: its payment
        /// decides.
        /// </summary>
        public bool PaymentReady => (Known == true && Status == StripeStatuses.Succeeded) || Fetched;

        /// <summary>
        /// The PaymentIntent as the facts tell it, or null when Stripe does not have it (or nothing
        /// is known).
        /// </summary>
        public PaymentIntent? Payment()
        {
            if (Known != true || Found == false) return null;
            var metadata = Metadata is null
                ? new Dictionary<string, string>()
                : JsonSerializer.Deserialize<Dictionary<string, string>>(Metadata) ?? [];
            var amount = Amount ?? 0;
            var charge = ChargeId is null ? null : new Charge
            {
                Id = ChargeId, Amount = amount, AmountRefunded = AmountRefunded ?? 0, Disputed = Disputed ?? false,
                Refunded = (AmountRefunded ?? 0) >= amount && amount > 0, Currency = Currency ?? "",
                PaymentIntentId = PaymentIntentId,
                Status = "succeeded", Metadata = metadata,
            };
            return new PaymentIntent
            {
                Id = PaymentIntentId, Amount = amount, AmountReceived = AmountReceived ?? 0, Currency = Currency ?? "",
                Status = Status ?? "", LatestCharge = charge, Metadata = metadata,
            };
        }
    }

    private const string PendingColumns = """
        s.submission_id, s.contest_id, s.player_id, s.payment_intent_id, s.lineup,
        s.submitted_at AS submitted_at_utc, s.broker_at AS broker_at_utc, s.message_id, s.correlation_id,
        s.fetched_at IS NOT NULL AS fetched, p.known, p.found, p.status, p.amount, p.amount_received, p.currency,
        p.metadata::text AS metadata,
        p.charge_id, p.amount_refunded, p.disputed
        """;

    /// <summary>
    /// A contest's undecided submissions that can be decided now (their payment known, or used
    /// already), in the order they were made, locked. Those still waiting for their payment are
    /// passed over, so a run of them at the head never holds back the ones behind.
    /// </summary>
    public static async Task<IReadOnlyList<Pending>> DecidableAsync(TransactionContext context, string contestId,
        int limit) =>
        [.. await context.Connection.QueryAsync<Pending>($"""
            SELECT {PendingColumns}
            FROM ingestion.submissions s LEFT JOIN ingestion.payments p USING (payment_intent_id)
            WHERE s.contest_id = @contestId AND s.decided_at IS NULL AND ({Decidable})
            ORDER BY s.submitted_at, s.submission_id LIMIT @limit FOR UPDATE OF s SKIP LOCKED
            """, new { contestId, limit }, context.Transaction)];

    /// <summary>
    /// Plans the rest of the transaction's reads as of rows in memory, where they are: an index probe costs about
    /// what a page read in order does. Planned for a disk (Postgres's default random_page_cost of 4), the read of a
    /// contest's first 2,000 decidable submissions (<see cref="DecidableAsync"/>) joined, sorted (on disk) and locked
    /// every undecided one of the contest, 50,000 in a rush: 134 ms, where walking the undecided index in order
    /// takes 9.4 ms; and the reads of prior uses by payment scanned every entry (11 ms for 1,500 payments of 100,000
    /// entries, 1.0 ms through the key). For this transaction only.
    /// </summary>
    public static Task PlanReadsInMemoryAsync(TransactionContext context) =>
        context.Connection.ExecuteAsync("SET LOCAL random_page_cost = 1.1", transaction: context.Transaction);

    /// <summary>
    /// A contest's undecided submissions that the round's <paramref name="pending"/> (from
    /// <see cref="DecidableAsync"/>, in the order they were made) must count as waiting, in the order they were
    /// made: every one ordered before the last pending that is not itself pending, and those made at the same
    /// instant or earlier still waiting for their payment; every player's when <paramref name="everyPlayer"/> (at
    /// most <paramref name="limit"/>), else only the pending players' (<see cref="DecisionOrder"/>).
    /// </summary>
    /// <remarks>
    /// Not "those whose payment is unknown": this statement reads a later snapshot than the one that chose the
    /// pending, so a payment that became known in between, or a submission skipped because another transaction
    /// held it, would be in neither list, and a later submission could take the place it was owed.
    /// </remarks>
    public static async Task<IReadOnlyList<WaitingSubmission>> WaitingAsync(TransactionContext context,
        string contestId, IReadOnlyList<Pending> pending, bool everyPlayer, int limit) =>
        [.. (await context.Connection.QueryAsync<(string Id, string Player, DateTime At)>($"""
            SELECT s.submission_id, s.player_id, s.submitted_at
            FROM ingestion.submissions s LEFT JOIN ingestion.payments p USING (payment_intent_id)
            WHERE s.contest_id = @contestId AND s.decided_at IS NULL AND s.submitted_at <= @until
              AND s.submission_id <> ALL(@pendingIds)
              AND ((s.submitted_at, s.submission_id) < (@until, @lastId) OR NOT coalesce(({Decidable}), false))
              AND (@everyPlayer OR s.player_id = ANY(@players))
            ORDER BY s.submitted_at, s.submission_id LIMIT @limit
            """, new
            {
                contestId, until = pending[^1].SubmittedAt, lastId = pending[^1].SubmissionId,
                pendingIds = pending.Select(p => p.SubmissionId).ToArray(),
                players = pending.Select(p => p.PlayerId).Distinct().ToArray(), everyPlayer, limit,
            }, context.Transaction))
            .Select(r => new WaitingSubmission(r.Id, r.Player,
                new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc))))];

    /// <summary>
    /// How many of a contest's submissions are undecided, counted up to <paramref name="cap"/> at
    /// most.
    /// </summary>
    public static Task<long> UndecidedUpToAsync(TransactionContext context, string contestId, int cap) =>
        context.Connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM (SELECT 1 FROM ingestion.submissions
                                  WHERE contest_id = @contestId AND decided_at IS NULL LIMIT @cap) undecided
            """, new { contestId, cap }, context.Transaction);

    /// <summary>
    /// A submission <c>s</c> (with its payment <c>p</c>) whose payment decides it now: known to
    /// have succeeded, answered by a GET, or used already.
    /// </summary>
    private const string Decidable = """
        (p.known AND p.status = 'succeeded') OR s.fetched_at IS NOT NULL
        OR EXISTS (SELECT 1 FROM ingestion.entries e WHERE e.payment_intent_id = s.payment_intent_id)
        OR EXISTS (SELECT 1 FROM ingestion.refund_orders r WHERE r.payment_intent_id = s.payment_intent_id)
        """;

    /// <summary>
    /// Undecided submissions that count as made on time (before the close, on the broker by the
    /// close + skew).
    /// </summary>
    public static Task<long> UndecidedOnTimeAsync(TransactionContext context, string contestId, DateTimeOffset closesAt,
        TimeSpan skew) =>
        context.Connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM ingestion.submissions
            WHERE contest_id = @contestId AND decided_at IS NULL AND submitted_at < @closesAt AND broker_at <= @latest
            """, new { contestId, closesAt, latest = closesAt + skew }, context.Transaction);

    /// <summary>
    /// What a contest's on-time undecided submissions wait for: all of them; those whose payment
    /// is not known yet (no event said it succeeded, no GET answered); and of those, the ones a
    /// GET was tried for and Stripe did not answer.
    /// </summary>
    public sealed record Waiting(long Undecided, long PaymentUnknown, long LookupUnanswered);

    public static Task<Waiting> WaitingOnTimeAsync(TransactionContext context, string contestId,
        DateTimeOffset closesAt, TimeSpan skew) =>
        context.Connection.QueryFirstAsync<Waiting>("""
            SELECT count(*) AS undecided,
                   count(*) FILTER (WHERE NOT ready) AS paymentunknown,
                   count(*) FILTER (WHERE NOT ready AND fetch_attempts > 0) AS lookupunanswered
            FROM (SELECT s.fetch_attempts,
                         (coalesce(p.known AND p.status = 'succeeded', false) OR s.fetched_at IS NOT NULL) AS ready
                  FROM ingestion.submissions s LEFT JOIN ingestion.payments p USING (payment_intent_id)
                  WHERE s.contest_id = @contestId AND s.decided_at IS NULL
                    AND s.submitted_at < @closesAt AND s.broker_at <= @latest) w
            """, new { contestId, closesAt, latest = closesAt + skew }, context.Transaction);

    /// <summary>What this worker did with these PaymentIntents already: entries, and refunds ordered.</summary>
    public static async Task<Dictionary<string, PaymentUse>> PriorUsesAsync(TransactionContext context,
        IReadOnlyCollection<string> paymentIntentIds)
    {
        var ids = paymentIntentIds.Distinct().ToArray();
        var uses = new Dictionary<string, PaymentUse>(StringComparer.Ordinal);
        foreach (var r in await context.Connection.QueryAsync<(string Pi, string ContestId, string PlayerId)>(
            "SELECT payment_intent_id, contest_id, player_id FROM ingestion.refund_orders "
            + "WHERE payment_intent_id = ANY(@ids)", new { ids }, context.Transaction))
            uses[r.Pi] = new PaymentUse(r.ContestId, r.PlayerId, null, Refunded: true);
        foreach (var e in await context.Connection
            .QueryAsync<(string Pi, string ContestId, string PlayerId, string[]? Lineup)>(
            "SELECT payment_intent_id, contest_id, player_id, lineup FROM ingestion.entries "
            + "WHERE payment_intent_id = ANY(@ids)", new { ids }, context.Transaction))
            uses[e.Pi] = new PaymentUse(e.ContestId, e.PlayerId, e.Lineup, Refunded: false);
        return uses;
    }

    public static async Task<Dictionary<string, int>> PlayerEntryCountsAsync(TransactionContext context,
        string contestId, IReadOnlyCollection<string> playerIds) =>
        (await context.Connection.QueryAsync<(string Player, int Count)>(
            "SELECT player_id, count(*)::int FROM ingestion.entries "
            + "WHERE contest_id = @contestId AND player_id = ANY(@players) GROUP BY player_id",
            new { contestId, players = playerIds.Distinct().ToArray() }, context.Transaction))
        .ToDictionary(r => r.Player, r => r.Count, StringComparer.Ordinal);

    /// <summary>What the decisions of one round add up to, written in a few statements.</summary>
    public sealed class Decisions
    {
        public List<EntryAccepted> Entries { get; } = [];
        public List<RefundOrdered> Refunds { get; } = [];
        public List<(EntrySubmitted Submission, string Reason, string? RefundId)> Rejections { get; } = [];
        public List<(string SubmissionId, string Outcome)> Decided { get; } = [];
    }

    public static async Task SaveAsync(TransactionContext context, string contestId, Decisions d, bool contestExists)
    {
        var now = context.Clock.GetUtcNow();
        if (d.Entries.Count > 0)
            await SaveEntriesAsync(context, contestId, d, contestExists, now);
        if (d.Refunds.Count > 0)
            await SaveRefundsAsync(context, contestId, d, now);
        if (d.Rejections.Count > 0)
            await SaveRejectionsAsync(context, d, now);
        if (d.Decided.Count > 0)
            await SaveDecidedAsync(context, contestId, d, now);
    }

    private static async Task SaveEntriesAsync(TransactionContext context, string contestId, Decisions d,
        bool contestExists, DateTimeOffset now)
    {
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.entries (entry_id, payment_intent_id, contest_id, player_id, amount_minor, currency,
                lineup, accepted_at)
            SELECT u.id, u.pi, @contestId, u.player, u.amount, u.currency,
                   CASE WHEN u.lineup IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.lineup::jsonb)) END,
                   @now
            FROM unnest(@ids, @pis, @players, @amounts, @currencies, @lineups)
                AS u(id, pi, player, amount, currency, lineup)
            """, new
        {
            contestId, now,
            ids = d.Entries.Select(e => e.EntryId).ToArray(),
            pis = d.Entries.Select(e => e.PaymentIntentId).ToArray(),
            players = d.Entries.Select(e => e.PlayerId).ToArray(),
            amounts = d.Entries.Select(e => e.AmountMinor).ToArray(),
            currencies = d.Entries.Select(e => e.Currency).ToArray(),
            lineups = d.Entries.Select(e => e.Lineup is null ? null : JsonSerializer.Serialize(e.Lineup)).ToArray(),
        }, context.Transaction);
        if (!contestExists)
            throw new InvariantViolatedException($"entries accepted for contest {contestId}, which is not scheduled");
        var changed = await context.Connection.ExecuteAsync(
            "UPDATE ingestion.contests SET entry_count = entry_count + @n WHERE contest_id = @contestId",
            new { contestId, n = d.Entries.Count }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId}: entry count not updated ({changed} rows)");
    }

    private static async Task SaveRefundsAsync(TransactionContext context, string contestId, Decisions d,
        DateTimeOffset now)
    {
        var ordered = await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.refund_orders (payment_intent_id, refund_id, contest_id, player_id, amount_minor,
                currency, reason, ordered_at)
            SELECT * , @now FROM unnest(@pis, @ids, @contests, @players, @amounts, @currencies, @reasons)
            ON CONFLICT (payment_intent_id) DO NOTHING
            """, new
        {
            now,
            pis = d.Refunds.Select(r => r.PaymentIntentId).ToArray(),
            ids = d.Refunds.Select(r => r.RefundId).ToArray(),
            contests = d.Refunds.Select(r => r.ContestId).ToArray(),
            players = d.Refunds.Select(r => r.PlayerId).ToArray(),
            amounts = d.Refunds.Select(r => r.AmountMinor).ToArray(),
            currencies = d.Refunds.Select(r => r.Currency).ToArray(),
            reasons = d.Refunds.Select(r => r.Reason).ToArray(),
        }, context.Transaction);
        // The round read every prior refund under the submissions' locks; one ordered meanwhile is a bug.
        if (ordered != d.Refunds.Count)
            throw new ConcurrencyConflictException(
                $"contest {contestId}: {d.Refunds.Count - ordered} refunds were ordered by another round meanwhile");
    }

    private static async Task SaveRejectionsAsync(TransactionContext context, Decisions d, DateTimeOffset now)
    {
        await context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.rejected_submissions (submission_id, contest_id, player_id, payment_intent_id, reason,
                refund_id, rejected_at)
            SELECT *, @now FROM unnest(@ids, @contests, @players, @pis, @reasons, @refunds)
            ON CONFLICT (submission_id) DO NOTHING
            """, new
        {
            now,
            ids = d.Rejections.Select(r => r.Submission.SubmissionId).ToArray(),
            contests = d.Rejections.Select(r => r.Submission.ContestId).ToArray(),
            players = d.Rejections.Select(r => r.Submission.PlayerId).ToArray(),
            pis = d.Rejections.Select(r => r.Submission.PaymentIntentId).ToArray(),
            reasons = d.Rejections.Select(r => r.Reason).ToArray(),
            refunds = d.Rejections.Select(r => r.RefundId).ToArray(),
        }, context.Transaction);
    }

    private static async Task SaveDecidedAsync(TransactionContext context, string contestId, Decisions d,
        DateTimeOffset now)
    {
        var changed = await context.Connection.ExecuteAsync("""
            UPDATE ingestion.submissions s SET decided_at = @now, outcome = u.outcome
            FROM unnest(@ids, @outcomes) AS u(id, outcome) WHERE s.submission_id = u.id AND s.decided_at IS NULL
            """, new
        {
            now,
            ids = d.Decided.Select(x => x.SubmissionId).ToArray(),
            outcomes = d.Decided.Select(x => x.Outcome).ToArray(),
        }, context.Transaction);
        if (changed != d.Decided.Count)
            throw new InvariantViolatedException(
                $"contest {contestId}: {d.Decided.Count} submissions decided but {changed} were undecided");
    }

    // ---- payments ----------------------------------------------------------------------------------

    /// <summary>
    /// PaymentIntents as Stripe described them (a run of events, or a GET's answers: the
    /// <paramref name="source"/>), then refunds and disputes of their charges, in two statements.
    /// A succeeded intent stays succeeded whatever older description arrives after; refunds and
    /// disputes only add, whatever order they come in.
    /// </summary>
    public static async Task RecordFactsAsync(TransactionContext context, PaymentFacts facts, string source = "event")
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
        if (facts.Charges.Count > 0)
        {
            var charges = facts.Charges.ToList();
            await context.Connection.ExecuteAsync("""
                INSERT INTO ingestion.payments AS p (payment_intent_id, charge_id, amount_refunded, disputed, source,
                    updated_at)
                SELECT u.id, u.charge, u.refunded, u.disputed, 'event', @now
                FROM unnest(@ids, @charges, @refundeds, @disputeds) AS u(id, charge, refunded, disputed)
                ON CONFLICT (payment_intent_id) DO UPDATE SET
                    charge_id = coalesce(p.charge_id, excluded.charge_id),
                    amount_refunded = greatest(p.amount_refunded, excluded.amount_refunded),
                    disputed = p.disputed OR excluded.disputed, updated_at = excluded.updated_at
                """, new
            {
                now,
                ids = charges.Select(c => c.Key).ToArray(), charges = charges.Select(c => c.Value.ChargeId).ToArray(),
                refundeds = charges.Select(c => c.Value.AmountRefunded).ToArray(),
                disputeds = charges.Select(c => c.Value.Disputed).ToArray(),
            }, context.Transaction);
        }
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

    // ---- the GET fallback --------------------------------------------------------------------------

    /// <summary>A round's claim: the submissions to GET the payment of, and how far its walk read.</summary>
    /// <param name="ReadTo">
    /// Every submission due before this was looked at: the next round may start here (<see cref="ClaimFetchesAsync"/>).
    /// </param>
    public sealed record FetchClaim(
        IReadOnlyList<(string SubmissionId, string PaymentIntentId, string ContestId)> Claimed, DateTimeOffset ReadTo);

    /// <summary>
    /// Claims undecided submissions whose payment no event has told by their fetch time, so one
    /// round of one worker fetches each; returns their PaymentIntents.
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
        var claimed = (await context.Connection.QueryAsync<(string, string, string, DateTime)>("""
            UPDATE ingestion.submissions s SET fetch_claimed_until = @until, fetch_attempts = s.fetch_attempts + 1
            WHERE s.submission_id IN (
                SELECT s2.submission_id
                FROM ingestion.submissions s2 LEFT JOIN ingestion.payments p USING (payment_intent_id)
                WHERE s2.decided_at IS NULL AND s2.fetched_at IS NULL AND s2.fetch_after <= @now
                  AND s2.fetch_after >= coalesce(@from::timestamptz, '-infinity')
                  AND (s2.fetch_claimed_until IS NULL OR s2.fetch_claimed_until < @now)
                  AND NOT coalesce(p.known AND p.status = 'succeeded', false)
                ORDER BY s2.fetch_after LIMIT @limit FOR UPDATE OF s2 SKIP LOCKED)
            RETURNING s.submission_id, s.payment_intent_id, s.contest_id, s.fetch_after
            """, new { now, until = now + lease, limit, from }, context.Transaction)).ToList();
        var readTo = now - commitMargin;
        if (claimed.Count >= limit)
        {
            var last = new DateTimeOffset(DateTime.SpecifyKind(claimed.Max(c => c.Item4), DateTimeKind.Utc));
            if (last < readTo) readTo = last;
        }
        return new FetchClaim([.. claimed.Select(c => (c.Item1, c.Item2, c.Item3))], readTo);
    }

    /// <summary>
    /// The GET for these submissions was answered (and its facts recorded): their payment decides
    /// now.
    /// </summary>
    public static Task MarkFetchedAsync(TransactionContext context, IReadOnlyCollection<string> submissionIds) =>
        context.Connection.ExecuteAsync(
            "UPDATE ingestion.submissions SET fetched_at = @now, fetch_claimed_until = NULL "
            + "WHERE submission_id = ANY(@ids) AND decided_at IS NULL",
            new { ids = submissionIds.ToArray(), now = context.Clock.GetUtcNow() }, context.Transaction);
}

/// <summary>
/// What a run of Stripe events says about PaymentIntents, merged per PaymentIntent as the
/// payments table merges them: a succeeded intent stays succeeded, refunds and disputes only add.
/// </summary>
public sealed class PaymentFacts
{
    public Dictionary<string, PaymentIntent> Intents { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (string? ChargeId, long AmountRefunded, bool Disputed)> Charges { get; } =
        new(StringComparer.Ordinal);

    public void Intent(PaymentIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        if (Intents.TryGetValue(intent.Id, out var seen) && seen.Status == StripeStatuses.Succeeded) return;
        Intents[intent.Id] = intent;
    }

    public void Charge(string paymentIntentId, string? chargeId, long amountRefunded, bool disputed)
    {
        var (c, r, d) = Charges.GetValueOrDefault(paymentIntentId);
        Charges[paymentIntentId] = (c ?? chargeId, Math.Max(r, amountRefunded), d || disputed);
    }
}

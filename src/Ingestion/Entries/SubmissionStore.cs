using Charge = Stripe.Charge;
using PaymentIntent = Stripe.PaymentIntent;
using System.Text.Json;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Payments;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Dapper;

namespace ContestPipeline.Ingestion.Entries;

/// <summary>
/// Submissions waiting for a decision, read with the payment facts that decide them (Stripe's
/// events, or a GET when no event came in time), and the decisions made of them: entries and
/// rejections, with the refunds ordered for them (<see cref="PaymentStore.OrderRefundsAsync"/>).
/// Every write of ingestion.submissions is here but the GET fallback's claims, which are
/// <see cref="PaymentStore"/>'s.
/// </summary>
public static class SubmissionStore
{
    // ---- submissions ------------------------------------------------------------------------------

    /// <summary>A submission as it arrived, with the times that judge it.</summary>
    public sealed record Arrival(EntrySubmitted Submission, DateTimeOffset SubmittedAt, DateTimeOffset BrokerAt,
        string MessageId, string CorrelationId);

    /// <summary>
    /// Records submissions (a submission id seen before is left as it was). A free entry's (<see
    /// cref="EntrySubmitted.IsFree"/>) has no payment to wait for or read: it is decidable as it arrives.
    /// </summary>
    public static Task RecordAsync(TransactionContext context, IReadOnlyList<Arrival> arrivals,
        TimeSpan paymentEventWait)
    {
        var now = context.Clock.GetUtcNow();
        return context.Connection.ExecuteAsync("""
            INSERT INTO ingestion.submissions (submission_id, contest_id, player_id, payment_intent_id, lineup,
                submitted_at, broker_at,
                received_at, message_id, correlation_id, fetch_after, fetched_at)
            SELECT u.id, u.contest, u.player, u.pi,
                   CASE WHEN u.lineup IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.lineup::jsonb)) END,
                   u.submitted, u.broker, @now, u.mid, u.cid, @fetchAfter,
                   CASE WHEN starts_with(u.pi, @free) THEN @now END
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
            free = EntrySubmitted.FreePaymentPrefix,
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
    /// Whether any undecided submission counts as made on time (before the close, on the broker by
    /// the close + skew). Asked five times a second while a contest waits to close, so it stops at
    /// the first: a count of a rush's tens of thousands ran as a parallel scan each time.
    /// </summary>
    public static Task<bool> AnyUndecidedOnTimeAsync(TransactionContext context, string contestId,
        DateTimeOffset closesAt, TimeSpan skew) =>
        context.Connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM ingestion.submissions
                WHERE contest_id = @contestId AND decided_at IS NULL AND submitted_at < @closesAt
                    AND broker_at <= @latest)
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
        public List<(EntryAccepted Entry, DateTimeOffset SubmittedAt)> Entries { get; } = [];
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
            await PaymentStore.OrderRefundsAsync(context, contestId, d.Refunds, now);
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
                lineup, accepted_at, submitted_at)
            SELECT u.id, u.pi, @contestId, u.player, u.amount, u.currency,
                   CASE WHEN u.lineup IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.lineup::jsonb)) END,
                   @now, u.submitted
            FROM unnest(@ids, @pis, @players, @amounts, @currencies, @lineups, @submitted)
                AS u(id, pi, player, amount, currency, lineup, submitted)
            """, new
        {
            contestId, now,
            ids = d.Entries.Select(e => e.Entry.EntryId).ToArray(),
            pis = d.Entries.Select(e => e.Entry.PaymentIntentId).ToArray(),
            players = d.Entries.Select(e => e.Entry.PlayerId).ToArray(),
            amounts = d.Entries.Select(e => e.Entry.AmountMinor).ToArray(),
            currencies = d.Entries.Select(e => e.Entry.Currency).ToArray(),
            lineups = d.Entries.Select(e => e.Entry.Lineup is null ? null : JsonSerializer.Serialize(e.Entry.Lineup))
                .ToArray(),
            submitted = d.Entries.Select(e => e.SubmittedAt.UtcDateTime).ToArray(),
        }, context.Transaction);
        if (!contestExists)
            throw new InvariantViolatedException($"entries accepted for contest {contestId}, which is not scheduled");
        var changed = await context.Connection.ExecuteAsync(
            "UPDATE ingestion.contests SET entry_count = entry_count + @n WHERE contest_id = @contestId",
            new { contestId, n = d.Entries.Count }, context.Transaction);
        if (changed != 1)
            throw new InvariantViolatedException($"contest {contestId}: entry count not updated ({changed} rows)");
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
}

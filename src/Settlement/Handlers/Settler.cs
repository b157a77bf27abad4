using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement.Domain;
using ContestPipeline.Settlement.Ledger;
using Dapper;

namespace ContestPipeline.Settlement.Handlers;

/// <summary>
/// Settles a COMPLETE contest once everything it needs has arrived (the completion, every
/// chunk of final standings, every entry): prizes by the contest's table, the ledger
/// entries, one payout order per winning entry, then SETTLED. Those facts arrive on two
/// topics in any order, so every handler that brings one asks whether it was the last.
/// Then PAID, once Payout has reported every payout paid or rejected on <c>payouts.status</c>.
/// </summary>
public static class Settler
{
    public static async Task TrySettleAsync(HandlerContext context, string contestId)
    {
        await LockContestAsync(context, contestId);
        var contest = await context.Connection.QueryFirstOrDefaultAsync<(string State, string Definition, string? Completed)>(
            "SELECT state, definition::text, completed::text FROM settlement.contests WHERE contest_id = @contestId FOR UPDATE",
            new { contestId }, context.Transaction);
        if (contest.State != "COMPLETE" || contest.Completed is null) return;
        var completed = JsonSerializer.Deserialize<ContestCompleted>(contest.Completed, OutgoingMessage.Json)!;
        var chunks = (await context.Connection.QueryAsync<string>(
            "SELECT rows::text FROM settlement.standings_chunks WHERE contest_id = @contestId ORDER BY chunk_index",
            new { contestId }, context.Transaction)).ToList();
        var entries = (await context.Connection.QueryAsync<(string EntryId, long Amount, string Currency, string PaymentIntentId)>(
            "SELECT entry_id, amount_minor, currency, payment_intent_id FROM settlement.entries WHERE contest_id = @contestId",
            new { contestId }, context.Transaction)).ToList();
        if (chunks.Count < completed.StandingsChunks || entries.Count < completed.EntryCount) return;

        var definition = JsonSerializer.Deserialize<ContestDefined>(contest.Definition, OutgoingMessage.Json)!;
        var standings = chunks.SelectMany(c => JsonSerializer.Deserialize<List<StandingRow>>(c, OutgoingMessage.Json)!).ToList();
        var rules = PrizeRules.From(definition);
        var fees = new Money(entries.Aggregate(0L, (sum, e) => checked(sum + e.Amount)), rules.Currency);
        var decision = PrizeCalculator.Calculate(contestId, rules, fees, standings);
        var now = context.Clock.GetUtcNow();
        var settlement = decision.Settlement;
        var pool = settlement?.Pool ?? new PoolBreakdown(fees, Money.Zero(rules.Currency), Money.Zero(rules.Currency), Money.Zero(rules.Currency), Money.Zero(rules.Currency));

        // Fees kept leave the contest's entry-fee account: the rake, and a guaranteed pool's
        // excess, to the platform (the breakdown's HouseTake covers both); the rest, plus any
        // overlay the platform covers, into the prize pool.
        var excess = pool.HouseTake - pool.Rake;
        await Journal.PostAsync(context, $"settle:{contestId}", contestId, "settlement", $"contest {contestId} settled: {decision.Reason}",
        [
            Posting.Debit(Accounts.EntryFees(contestId), pool.EntryFeesKept),
            Posting.Credit(Accounts.RakeRevenue, pool.Rake),
            Posting.Credit(Accounts.HouseTake, excess),
            Posting.Credit(Accounts.PrizePool(contestId), pool.EntryFeesKept - pool.HouseTake),
            Posting.Debit(Accounts.OverlayExpense, pool.Overlay),
            Posting.Credit(Accounts.PrizePool(contestId), pool.Overlay),
        ]);
        // The winning entry's payment goes with its order, so Payout can freeze the prize if
        // that payment is refunded or disputed.
        var payments = entries.ToDictionary(e => e.EntryId, e => e.PaymentIntentId, StringComparer.Ordinal);
        foreach (var award in settlement?.Awards ?? [])
        {
            // Each prize leaves the pool: the winner is owed the net, the platform keeps the fee.
            await Journal.PostAsync(context, $"prize:{award.PayoutId}", contestId, "prize_payable",
                $"rank {award.Rank} prize for entry {award.EntryId}",
                [
                    Posting.Debit(Accounts.PrizePool(contestId), award.Gross),
                    Posting.Credit(Accounts.PrizesPayable(award.PlayerId), award.Net),
                    Posting.Credit(Accounts.FeeRevenue, award.Fee),
                ]);
            await context.Connection.ExecuteAsync("""
                INSERT INTO settlement.payouts (payout_id, contest_id, entry_id, player_id, rank, gross_minor, fee_minor, net_minor, currency, ordered_at)
                VALUES (@PayoutId, @contestId, @EntryId, @PlayerId, @Rank, @gross, @fee, @net, @currency, @now)
                """, new { award.PayoutId, contestId, award.EntryId, award.PlayerId, award.Rank, gross = award.Gross.MinorUnits,
                    fee = award.Fee.MinorUnits, net = award.Net.MinorUnits, currency = rules.Currency.Code, now }, context.Transaction);
            Publish(context, Topics.PayoutsDue, contestId, award.PayoutId, PrizePayoutOrdered.MessageType, PrizePayoutOrdered.SchemaVersion,
                new PrizePayoutOrdered(award.PayoutId, contestId, award.EntryId, award.PlayerId, award.Rank,
                    award.Gross.MinorUnits, award.Fee.MinorUnits, award.Net.MinorUnits, rules.Currency.Code, payments[award.EntryId]), now);
        }

        // Invariant: the pool is paid out to the cent and the entry fees are fully allocated.
        var open = await context.Connection.QueryAsync<(string Account, long Balance)>("""
            SELECT account, sum(amount_minor) FROM settlement.postings WHERE account IN (@pool, @fees) GROUP BY account HAVING sum(amount_minor) <> 0
            """, new { pool = Accounts.PrizePool(contestId), fees = Accounts.EntryFees(contestId) }, context.Transaction);
        if (open.Any())
            throw new FatalWorkerException($"contest {contestId} settled with open accounts: {string.Join(", ", open.Select(o => $"{o.Account} {o.Balance}"))}");

        await context.Connection.ExecuteAsync("UPDATE settlement.contests SET state = 'SETTLED', settled_at = @now WHERE contest_id = @contestId AND state = 'COMPLETE'",
            new { contestId, now }, context.Transaction);
        var awards = settlement?.Awards ?? [];
        Publish(context, Topics.ContestLifecycle, contestId, ContestSettled.MessageIdFor(contestId), ContestSettled.MessageType, ContestSettled.SchemaVersion,
            new ContestSettled(contestId, entries.Count, rules.Currency.Code, pool.EntryFeesKept.MinorUnits, pool.Rake.MinorUnits, pool.Overlay.MinorUnits,
                excess.MinorUnits, pool.Pool.MinorUnits, awards.Sum(a => a.Fee.MinorUnits), awards.Sum(a => a.Net.MinorUnits), awards.Count,
                PrizeCalculator.PublishedRule, now), now);
        Publish(context, Topics.ContestLifecycle, contestId, ContestStateChanged.MessageIdFor(contestId, ContestState.Settled),
            ContestStateChanged.MessageType, ContestStateChanged.SchemaVersion,
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Complete), ContestLifecycle.Name(ContestState.Settled),
                $"{awards.Count} prizes ordered from a pool of {pool.Pool}", now), now);
        // With no awards there is nothing to wait for: PAID in the same transaction.
        if (awards.Count == 0) await TryMarkPaidAsync(context, contestId, null);
    }

    /// <summary>
    /// Serialises the transactions that bring a contest's facts, until commit. Final standings
    /// arrive on their own consume loop, in a transaction concurrent with the timeline's: the
    /// later of two must see the other's facts, or each would find the other's missing and the
    /// contest would wait in COMPLETE for good. The contest row's lock does that once the row
    /// exists, but a replay can create the row and complete the contest in one transaction, so
    /// the lock is on the contest id, taken before the row is created and before it is read.
    /// </summary>
    public static Task LockContestAsync(HandlerContext context, string contestId) =>
        context.Connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = "contestpipeline.settlement.contest:" + contestId }, context.Transaction);

    /// <summary>
    /// PAID: a SETTLED contest whose every payout is resolved, either paid (its transfer exists
    /// and none of it was reversed) or rejected by an operator (its prize withheld). Asked after
    /// every transfer and rejection. A reversal never takes a contest back out of PAID: the
    /// lifecycle only goes forward, so one after PAID is recorded in the ledger and alerted.
    /// </summary>
    public static async Task TryMarkPaidAsync(HandlerContext context, string contestId, Envelope? cause)
    {
        var contest = await context.Connection.QueryFirstOrDefaultAsync<(string State, string Currency)>(
            "SELECT state, definition->>'currency' FROM settlement.contests WHERE contest_id = @contestId FOR UPDATE",
            new { contestId }, context.Transaction);
        if (contest.State != "SETTLED") return;
        var payouts = await context.Connection.QueryFirstAsync<(int Count, int Paid, int Rejected, long PaidMinor, long WithheldMinor)>("""
            SELECT count(*)::int,
                   count(*) FILTER (WHERE transfer_id IS NOT NULL AND reversed_minor = 0)::int,
                   count(*) FILTER (WHERE rejected_at IS NOT NULL AND NOT (transfer_id IS NOT NULL AND reversed_minor = 0))::int,
                   coalesce(sum(net_minor - reversed_minor) FILTER (WHERE transfer_id IS NOT NULL), 0)::bigint,
                   coalesce(sum(withheld_minor), 0)::bigint
            FROM settlement.payouts WHERE contest_id = @contestId
            """, new { contestId }, context.Transaction);
        if (payouts.Paid + payouts.Rejected < payouts.Count) return;

        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("UPDATE settlement.contests SET state = 'PAID', paid_at = @now WHERE contest_id = @contestId AND state = 'SETTLED'",
            new { contestId, now }, context.Transaction);
        var currency = Currency.Parse(contest.Currency);
        Publish(context, Topics.ContestLifecycle, contestId, ContestPaid.MessageIdFor(contestId), ContestPaid.MessageType, ContestPaid.SchemaVersion,
            new ContestPaid(contestId, payouts.Count, payouts.Paid, payouts.Rejected, payouts.PaidMinor, payouts.WithheldMinor, currency.Code, now),
            now, cause?.MessageId);
        var reason = payouts.Count == 0
            ? "no prizes to pay"
            : $"{payouts.Paid} of {payouts.Count} payouts paid ({new Money(payouts.PaidMinor, currency)}), "
              + $"{payouts.Rejected} rejected ({new Money(payouts.WithheldMinor, currency)} withheld)";
        Publish(context, Topics.ContestLifecycle, contestId, ContestStateChanged.MessageIdFor(contestId, ContestState.Paid),
            ContestStateChanged.MessageType, ContestStateChanged.SchemaVersion,
            new ContestStateChanged(contestId, ContestLifecycle.Name(ContestState.Settled), ContestLifecycle.Name(ContestState.Paid), reason, now),
            now, cause?.MessageId);
    }

    /// <summary>CANCELLED: every entry's fee is refunded, each exactly once (one refund id per PaymentIntent).</summary>
    public static async Task RefundAllAsync(HandlerContext context, string contestId, string reason)
    {
        var now = context.Clock.GetUtcNow();
        await context.Connection.ExecuteAsync("UPDATE settlement.contests SET state = 'CANCELLED' WHERE contest_id = @contestId AND state = 'OPEN'",
            new { contestId }, context.Transaction);
        var entries = await context.Connection.QueryAsync<(string EntryId, string PlayerId, string PaymentIntentId, long Amount, string Currency)>("""
            SELECT entry_id, player_id, payment_intent_id, amount_minor, currency FROM settlement.entries WHERE contest_id = @contestId ORDER BY entry_id
            """, new { contestId }, context.Transaction);
        foreach (var e in entries)
        {
            var refundId = RefundOrdered.RefundIdFor(e.PaymentIntentId);
            var ordered = await context.Connection.ExecuteAsync("""
                INSERT INTO settlement.refund_orders (refund_id, contest_id, entry_id, payment_intent_id, amount_minor, currency, reason, ordered_at)
                VALUES (@refundId, @contestId, @EntryId, @PaymentIntentId, @Amount, @Currency, @reason, @now) ON CONFLICT DO NOTHING
                """, new { refundId, contestId, e.EntryId, e.PaymentIntentId, e.Amount, e.Currency, reason, now }, context.Transaction);
            if (ordered == 0) continue;
            Publish(context, Topics.PayoutsDue, contestId, refundId, RefundOrdered.MessageType, RefundOrdered.SchemaVersion,
                new RefundOrdered(refundId, contestId, e.PlayerId, e.PaymentIntentId, e.Amount, e.Currency, $"contest cancelled: {reason}"), now);
        }
    }


    /// <summary>Settlement's lifecycle facts correlate by contest; <paramref name="causationId"/> names the message that brought them about, if one did.</summary>
    private static void Publish<T>(HandlerContext context, string topic, string key, string id, string type, int version, T body, DateTimeOffset now,
        string? causationId = null) =>
        context.Publish(OutgoingMessage.Create(topic, key, new Envelope(id, type, version, key, causationId, now), body));
}

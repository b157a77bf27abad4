using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Cpctl.Messages;
using ContestPipeline.Cpctl.Restores;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Local.Processes;
using Dapper;
using Npgsql;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// The restore drill, as docs/operations.md runs it: Payout's schema restored from a copy taken before its prizes
/// were paid, Stripe past the 24 hours it keeps idempotency keys, the restore recorded with cpctl, Payout started
/// again. Its restored rows say the prizes were never sent; Stripe says they were. Each prize is transferred once:
/// Payout adopts the transfers it finds on Stripe instead of sending them again, and the ledger books each once.
/// The copy is taken with pg_dump and put back with pg_restore, as the migrator, from the machine's PostgreSQL.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class RestoreDrillTests(PipelineFixture fixture)
{
    private static readonly string[] Players = ["ada", "bo", "cy"];

    [Fact]
    public async Task Prizes_paid_after_the_copy_a_restore_went_back_to_are_not_paid_again()
    {
        const string contest = "drill";
        // No balance: the prizes wait, held for it, until the copy is taken.
        await using var h = await StartPipelineAsync(balance: 0);
        var orders = await SettleAsync(h, contest);

        // The copy: every prize recorded and none sent.
        await h.WaitForAsync("the three prizes held for the platform's balance",
            "SELECT count(*) = 3 FROM payout.payouts WHERE contest_id = @contest AND state = 'held' " +
            "AND hold_kind = 'balance'", new { contest }, seconds: 60);
        var (copy, copyTakenAt) = await CopyAsync(h);

        // The prizes are paid, one transfer each, and Settlement books them.
        h.Stripe.TopUp(10_000_000, "usd");
        var paidBefore = await PaidAsync(h, contest, orders);

        await RestoreAsync(h, copy, copyTakenAt);
        Assert.Equal(3, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.payouts WHERE contest_id = @contest AND transfer_id IS NULL",
            new { contest }));

        await h.WaitForAsync("the restore reconciled with Stripe",
            "SELECT count(*) = 1 FROM payout.restores WHERE reconciled_at IS NOT NULL", seconds: 90);
        foreach (var payout in orders) await h.WaitForStateAsync(payout, PayoutStatusNames.Paid, seconds: 90);
        await h.Run.ReadToEndAsync();

        // One transfer per prize on Stripe, the same as before the restore; Payout records it as each payout's.
        var paidAfter = await TransfersOnStripeAsync(h, contest);
        Assert.Equal(paidBefore, paidAfter);
        foreach (var (payout, transfers) in paidAfter)
        {
            Assert.True(transfers.Count == 1, $"{payout}: transfers {string.Join(", ", transfers)}");
            Assert.Equal(transfers[0], await h.ScalarAsync<string>(
                "SELECT transfer_id FROM payout.payouts WHERE payout_id = @payout", new { payout }));
        }
        Assert.Equal(3, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.stripe_transfers_seen WHERE payout_id = ANY(@orders)",
            new { orders = orders.ToArray() }));
        Assert.False(h.Alerted("second_transfer"));
        await AssertLedgerAsync(h, contest, paidAfter);
    }

    /// <summary>
    /// Settlement's drill: its schema restored to a copy taken once the contest locked, before it settled and paid.
    /// Read again from the copy's time, Settlement settles the contest again and orders the same prizes under the same
    /// ids (Payout skips them), books the transfers Payout reported once (those it read before their prizes, re-driven
    /// as the runbook's last step says), and the contest is PAID: one transfer per prize on Stripe, the ledger
    /// balanced.
    /// </summary>
    [Fact]
    public async Task Settlement_restored_to_a_copy_from_before_it_settled_settles_again_and_pays_nobody_twice()
    {
        const string contest = "drill-s";
        await using var h = await StartPipelineAsync();
        (string File, DateTimeOffset TakenAt) copy = default;
        var orders = await SettleAsync(h, contest, async () => copy = await CopyAsync(h, "settlement"));
        var paidBefore = await PaidAsync(h, contest, orders);

        await RestoreAsync(h, copy.File!, copy.TakenAt, "settlement");
        // Read again, the transfers' reports (payouts.status) can come before the standings that make Settlement order
        // the prizes again (standings): those are dead-lettered as naming an unknown payout. Once it has settled again,
        // the runbook's last step re-drives what the restored worker dead-lettered, and each report is booked once.
        await h.Run.WaitForSettlementStateAsync(contest, "SETTLED", TimeSpan.FromSeconds(120));
        await h.WaitForAsync("Settlement's three prizes ordered again",
            "SELECT count(*) = 3 FROM settlement.payouts WHERE contest_id = @contest", new { contest }, seconds: 60);
        await h.Run.ReadToEndAsync();
        var dead = DlqCommand.Read(h.Run.Iso.Broker.BootstrapServers, [Topics.DeadLetter(Topics.PayoutsStatus)],
            CancellationToken.None);
        Assert.All(dead, d => Assert.Contains("unknown payout id", d.Reason, StringComparison.Ordinal));
        if (dead.Count > 0)
            Assert.Equal(0, DlqCommand.Redrive(h.Run.Iso.Broker.BootstrapServers, Topics.PayoutsStatus, null, null,
                all: true, dryRun: false, TextWriter.Null, TextWriter.Null, CancellationToken.None,
                d => DlqCommand.Grant(LocalSigningKeys.Operator("ann"), d, "restore drill", DateTimeOffset.UtcNow)));
        await h.Run.WaitForSettlementStateAsync(contest, "PAID", TimeSpan.FromSeconds(120));
        await h.Run.ReadToEndAsync();
        await using (var conn = await h.Run.Iso.DataSource.OpenConnectionAsync())
            Assert.Equal(orders, await conn.QueryAsync<string>(
                "SELECT payout_id FROM settlement.payouts WHERE contest_id = @contest ORDER BY payout_id",
                new { contest }));
        var paidAfter = await PaidOnceAsync(h, contest, paidBefore);
        Assert.False(h.Alerted("second_transfer"));
        Assert.Empty(h.DeadLetters());
        await AssertLedgerAsync(h, contest, paidAfter);
    }

    /// <summary>
    /// Ingestion's drill: its schema restored to a copy taken mid-rush, once the first of the three entries was decided
    /// and before the others were submitted. Read again from the copy's time, Ingestion learns the payments and decides
    /// the two entries the copy never saw again as it did (on time by when they were submitted, whenever decided),
    /// under the same ids: nobody is refunded, no fee is booked twice, and the contest stays PAID with one transfer per
    /// prize.
    /// </summary>
    [Fact]
    public async Task Ingestion_restored_to_a_copy_taken_mid_rush_decides_the_rest_again_and_refunds_nobody()
    {
        const string contest = "drill-i";
        await using var h = await StartPipelineAsync();
        (string File, DateTimeOffset TakenAt) copy = default;
        var orders = await SettleAsync(h, contest, midRush: async () => copy = await CopyAsync(h, "ingestion"));
        var paidBefore = await PaidAsync(h, contest, orders);

        await RestoreAsync(h, copy.File!, copy.TakenAt, "ingestion");
        // Before entries closed on Kafka's committed offsets (still at the end after the restore): the contest closed
        // before the on-time submissions the copy never saw were read again, each was refused as closed and refunded.
        await Eventually.UntilAsync(() => h.ScalarAsync<string>(
                "SELECT coalesce(string_agg(submission_id || ' ' || coalesce(outcome, 'undecided'), ', ' " +
                "ORDER BY submission_id), '') FROM ingestion.submissions WHERE contest_id = @contest", new { contest }),
            decided => decided == "s-ada Ok, s-bo Ok, s-cy Ok",
            "Ingestion's three submissions decided again", TimeSpan.FromSeconds(90));
        await h.Run.ReadToEndAsync();
        Assert.Empty(h.Stripe.Ledger().Refunds);
        Assert.Equal(0, await h.ScalarAsync<long>("SELECT count(*) FROM ingestion.refund_orders"));
        Assert.Equal(0, await h.ScalarAsync<long>("SELECT count(*) FROM payout.refunds"));
        Assert.Equal(3, await h.ScalarAsync<long>(
            "SELECT count(*) FROM settlement.entries WHERE contest_id = @contest", new { contest }));
        var paidAfter = await PaidOnceAsync(h, contest, paidBefore);
        Assert.Empty(h.DeadLetters());
        await AssertLedgerAsync(h, contest, paidAfter);
    }

    /// <summary>
    /// The refunds' drill: Stripe refuses a second full refund of a charge by itself, so what the restore would lose
    /// without adoption is the record of Stripe's refund (the refund recorded made with no Stripe id); adopted, Payout
    /// records the refund Stripe made, and reports it under the same message ids.
    /// </summary>
    [Fact]
    public async Task Refunds_made_after_the_copy_a_restore_went_back_to_are_adopted_with_Stripe_s_refund()
    {
        await using var h = await PayoutHarness.StartAsync(fixture);
        // Halted: the refunds are recorded and wait, as the copy takes them.
        Decide(h, "halt-1", PayoutDispatchDecided.Halt);
        await h.WaitForAsync("dispatch halted", "SELECT EXISTS (SELECT 1 FROM payout.dispatch WHERE halted)",
            seconds: 60);
        var orders = new[] { "di", "ed" }.Select(player =>
        {
            var payment = h.World.Pay("rc", player, Fee);
            return new RefundOrdered(RefundOrdered.RefundIdFor(payment), "rc", player, payment, Fee, "USD",
                "contest cancelled");
        }).ToList();
        h.World.CancelledByReferee("rc");
        foreach (var order in orders)
            h.World.PublishAs(Producers.Settlement, Topics.PayoutsDue, "rc", RefundOrdered.MessageType, order.RefundId,
                order);
        await h.WaitForAsync("the two refunds recorded",
            "SELECT count(*) = 2 FROM payout.refunds WHERE state = 'waiting'");
        var (copy, copyTakenAt) = await CopyAsync(h);

        Decide(h, "resume-1", PayoutDispatchDecided.Resume, ends: "halt-1");
        await h.WaitForAsync("the two refunds made",
            "SELECT count(*) = 2 FROM payout.refunds WHERE state = 'refunded' AND stripe_refund_id IS NOT NULL");
        var made = RefundsOnStripe(h);
        Assert.Equal(orders.Select(o => o.PaymentIntentId).Order(), made.Keys.Order());

        // The copy was halted; the replay brings the resume made after it back.
        await RestoreAsync(h, copy, copyTakenAt);
        await h.WaitForAsync("the restore reconciled with Stripe",
            "SELECT count(*) = 1 FROM payout.restores WHERE reconciled_at IS NOT NULL", seconds: 90);
        await h.WaitForAsync("the two refunds recorded made again",
            "SELECT count(*) = 2 FROM payout.refunds WHERE state = 'refunded'", seconds: 60);

        // One refund per payment on Stripe, and Payout's record names it.
        Assert.Equal(made, RefundsOnStripe(h));
        foreach (var order in orders)
            Assert.Equal(Assert.Single(made[order.PaymentIntentId]), await h.ScalarAsync<string>(
                "SELECT stripe_refund_id FROM payout.refunds WHERE refund_id = @RefundId", order));
        // Reported again under the same message ids (consumers skip them), naming the same refunds.
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Count(m => m.Type == EntryFeeRefunded.MessageType)), n => n >= 4, "the refunds reported again");
        var reported = h.World.Read(Topics.PayoutsStatus).Where(m => m.Type == EntryFeeRefunded.MessageType)
            .Select(m => (Id: m.Headers[MessageHeaders.MessageId],
                Refund: m.Body.GetProperty("stripeRefundId").GetString())).Distinct().ToList();
        Assert.Equal(orders.Select(o => (EntryFeeRefunded.MessageIdFor(o.RefundId),
                (string?)Assert.Single(made[o.PaymentIntentId]))).Order(), reported.Order());
    }

    private static void Decide(PayoutHarness h, string id, string action, string? ends = null) =>
        h.World.Publish(Topics.PayoutsControl, PayoutDispatchDecided.Key, PayoutDispatchDecided.MessageType,
            PayoutDispatchDecided.MessageIdFor(id),
            new PayoutDispatchDecided(id, action, "test-admin", "restore drill", DateTimeOffset.UtcNow, ends));

    /// <summary>Stripe's refunds by the payment they refund.</summary>
    private static Dictionary<string, List<string>> RefundsOnStripe(PayoutHarness h) =>
        h.Stripe.Ledger().Refunds.GroupBy(r => r.PaymentIntent)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Id).Order(StringComparer.Ordinal).ToList());

    /// <summary>
    /// What a copy taken amid the contest's entries adds to the lock time: under a busy suite a copy of a schema has
    /// taken long enough that the entries came after the lock, and the contest was cancelled.
    /// </summary>
    private static readonly TimeSpan CopyMargin = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A contest of three entries, through the workers to SETTLED (<paramref name="atLock"/> run once it locked,
    /// <paramref name="midRush"/> once the first entry was decided, before the others are submitted); returns its
    /// payouts' ids.
    /// </summary>
    private static async Task<List<string>> SettleAsync(PayoutHarness h, string contest, Func<Task>? atLock = null,
        Func<Task>? midRush = null)
    {
        var run = h.Run;
        var lockAt = await run.LockTimeAsync() + (midRush is null ? TimeSpan.Zero : CopyMargin);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1");
        run.Define(Fantasy(contest, lockAt, ["g1"]) with
        {
            PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted),
        });
        if (midRush is not null) await run.WaitForStateAsync(contest, "SCHEDULED");
        var lineups = new Dictionary<string, string[]>
        {
            ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"],
        };
        foreach (var (player, lineup) in lineups)
        {
            // Entry fees settle later at Stripe: they are not in the available balance.
            var payment = h.Stripe.CreatePaymentIntent(Fee, "usd", "succeeded", new Dictionary<string, string>
            {
                [PaymentMetadata.ContestId] = contest, [PaymentMetadata.PlayerId] = player,
            }, pending: true);
            run.World.Submit(Entry("s-" + player, contest, player, payment, lineup));
            if (midRush is null || player != "ada") continue;
            await h.WaitForAsync("ada's entry decided", "SELECT EXISTS (SELECT 1 FROM ingestion.submissions "
                + "WHERE submission_id = 's-ada' AND outcome IS NOT NULL)", seconds: 60);
            await midRush();
        }
        await run.WaitForStateAsync(contest, "LOCKED");
        if (atLock is not null) await atLock();
        run.World.Start("g1", 2);
        run.World.Stat("g1", 3, "qb1", "passing_yards", 750);
        run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);
        run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);
        run.World.End("g1", 6);
        await run.WaitForSettlementStateAsync(contest, "SETTLED", TimeSpan.FromSeconds(90));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var payouts = (await conn.QueryAsync<string>(
            "SELECT payout_id FROM settlement.payouts WHERE contest_id = @contest ORDER BY payout_id",
            new { contest })).ToList();
        Assert.Equal(3, payouts.Count);
        return payouts;
    }

    /// <summary>
    /// Payout with every worker it needs for a contest to PAID, the drill's players signed up for payouts.
    /// </summary>
    private async Task<PayoutHarness> StartPipelineAsync(long balance = 10_000_000)
    {
        var h = await PayoutHarness.StartAsync(fixture, balance: balance);
        foreach (var worker in new[] { "ingestion", "scoring", "settlement" }) h.Run.StartWorker(worker);
        foreach (var player in Players) await h.World.SignUpForPayoutsAsync(player);
        foreach (var player in Players) await h.WaitForRecipientAsync(player);
        return h;
    }

    /// <summary>
    /// Waits for the contest's prizes paid and the contest PAID; Stripe's transfers of it, one per prize.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> PaidAsync(PayoutHarness h, string contest,
        IReadOnlyList<string> orders)
    {
        foreach (var payout in orders) await h.WaitForStateAsync(payout, PayoutStatusNames.Paid, seconds: 90);
        await h.Run.WaitForSettlementStateAsync(contest, "PAID", TimeSpan.FromSeconds(90));
        var paid = await TransfersOnStripeAsync(h, contest);
        Assert.Equal(orders.Order(), paid.Keys.Order());
        return paid;
    }

    /// <summary>
    /// After the restore: Stripe's transfers of the contest are still those before it, one per prize.
    /// </summary>
    private static async Task<Dictionary<string, List<string>>> PaidOnceAsync(PayoutHarness h, string contest,
        Dictionary<string, List<string>> paidBefore)
    {
        var paidAfter = await TransfersOnStripeAsync(h, contest);
        Assert.Equal(paidBefore, paidAfter);
        Assert.All(paidAfter.Values, transfers => Assert.Single(transfers));
        return paidAfter;
    }

    /// <summary>Stripe's transfers of the contest, as Stripe lists them, by the payout their metadata names.</summary>
    private static async Task<Dictionary<string, List<string>>> TransfersOnStripeAsync(PayoutHarness h, string contest)
    {
        var byPayout = new Dictionary<string, List<string>>();
        await foreach (var t in h.World.StripeClient.TransfersInGroupAsync(contest))
        {
            var payout = t.Metadata.GetValueOrDefault("payout_id") ?? "(none)";
            if (!byPayout.TryGetValue(payout, out var ids)) byPayout[payout] = ids = [];
            ids.Add(t.Id);
        }
        foreach (var ids in byPayout.Values) ids.Sort(StringComparer.Ordinal);
        return byPayout;
    }

    /// <summary>The ledger books each prize's transfer once, with Stripe's one transfer, and balances.</summary>
    private static async Task AssertLedgerAsync(PayoutHarness h, string contest,
        Dictionary<string, List<string>> transfers)
    {
        await using var conn = await h.Run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.postings GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0"));
        var booked = (await conn.QueryAsync<(string PayoutId, string TransferId)>(
            "SELECT payout_id, transfer_id FROM settlement.payouts WHERE contest_id = @contest", new { contest }))
            .ToDictionary(b => b.PayoutId, b => b.TransferId);
        Assert.Equal(transfers.ToDictionary(t => t.Key, t => t.Value.Single()), booked);
        Assert.Equal(3, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM settlement.journal WHERE journal_id = ANY(@ids)",
            new { ids = transfers.Keys.Select(p => "transfer:" + p).ToArray() }));
        foreach (var player in Players)
            Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
                "SELECT coalesce(sum(amount_minor), 0) FROM settlement.postings WHERE account = @account",
                new { account = $"player:{player}:prizes_payable" }));
        Assert.Equal("PAID", await h.Run.SettlementStateAsync(contest));
    }

    /// <summary>The copy: a worker's schema by pg_dump, and its time (the database's clock just before).</summary>
    private async Task<(string File, DateTimeOffset TakenAt)> CopyAsync(PayoutHarness h, string schema = "payout")
    {
        var file = Path.Combine(fixture.WorkDirectory, $"{schema}-{Guid.NewGuid():N}.dump");
        return (file, await SchemaCopies.CopyAsync(MigratorConnection(h), schema, file));
    }

    /// <summary>
    /// The runbook: stop the worker (Payout by default), restore its schema from the copy, let Stripe forget the keys
    /// (25 hours on), record the restore as cpctl restore record does, replay its groups from the copy's time as cpctl
    /// replay does, start it.
    /// </summary>
    private static async Task RestoreAsync(PayoutHarness h, string copy, DateTimeOffset copyTakenAt,
        string worker = "payout")
    {
        if (worker == "payout") await h.StopWorkerAsync();
        else await h.Run.StopWorkerAsync(worker);
        await SchemaCopies.RestoreAsync(MigratorConnection(h), worker, copy);
        h.Stripe.AdvanceClock(TimeSpan.FromHours(25));
        await using (var migrator = NpgsqlDataSource.Create(MigratorConnection(h)))
        {
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.True(0 == await RestoreCommand.RecordAsync(migrator, worker, worker, copyTakenAt,
                "test-operator", "restore drill", dryRun: false, output, error, CancellationToken.None),
                error.ToString());
            Assert.Contains("restore restore-", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("warning", output.ToString(), StringComparison.Ordinal);
        }
        // Its consumer groups back to the copy's time, as cpctl replay asks: signed requests Payout applies itself when
        // it starts, so that it reads again what it applied after the copy.
        foreach (var r in ReplayCommand.Requests(ReplayCommand.Groups(null, null, true, out _)!
                     .Where(g => g.Worker == worker).ToList(), ReplayCommand.Target.ToTime(copyTakenAt), "ann",
                     "restore drill", DateTimeOffset.UtcNow))
            h.World.Publish(Topics.WorkerRewinds, r.Worker, ConsumerRewindRequested.MessageType,
                ConsumerRewindRequested.MessageIdFor(r.RequestId), r);
        if (worker == "payout") h.StartWorker();
        else h.Run.StartWorker(worker);
    }

    private static string MigratorConnection(PayoutHarness h) =>
        SchemaCopies.MigratorConnection(h.Run.Iso.PostgresConnectionString);
}

using ContestPipeline.Local.Demo;
using ContestPipeline.Rules.Ledger;
using System.Text.Json;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Operations;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// From SETTLED to PAID through the real workers: contests run through ingestion, referee and
/// settlement, then the test publishes on <c>payouts.status</c> what Payout would, and checks
/// the ledger, the payouts and the timeline. The cases share one stack (<see cref="SettledContests"/>),
/// each paying a contest of its own, so what they read of a topic or the ledger is filtered by contest.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class PayoutStatusTests(PipelineFixture fixture, PayoutStatusTests.SettledContests settled)
    : IClassFixture<PayoutStatusTests.SettledContests>
{
    /// <summary>
    /// The class's stack: the contests its cases pay, three players each with distinct scores (so their prizes
    /// are 50/30/20 of the pool), settled together on one game; and <c>thin</c>, cancelled at lock for want of
    /// entries. Their payout orders, best rank first, wait for the cases.
    /// </summary>
    public sealed class SettledContests : SharedStack<SettledContests.Stack>
    {
        public static readonly string[] Paid = ["main", "rev", "claw", "owed", "over", "late", "held", "odd"];

        public sealed record Stack(ContestRun Run, IReadOnlyDictionary<string, List<PrizePayoutOrdered>> Orders,
            IReadOnlyDictionary<string, Dictionary<string, string>> Payments) : IAsyncDisposable
        {
            public ValueTask DisposeAsync() => Run.DisposeAsync();
        }

        protected override async Task<Stack> StartAsync(PipelineFixture fixture)
        {
            var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement");
            try
            {
                return await SettleAsync(run);
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        private static async Task<Stack> SettleAsync(ContestRun run)
        {
            var lockAt = await run.LockTimeAsync(messagesBeforeLock: 1 + 4 * Paid.Length + 3);
            run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1");
            var lineups = new Dictionary<string, string[]>
                { ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"] };
            var payments = new Dictionary<string, Dictionary<string, string>>();
            foreach (var contestId in Paid)
            {
                run.Define(Fantasy(contestId, lockAt, ["g1"]));
                payments[contestId] = lineups.Keys.ToDictionary(p => p, p => run.World.Pay(contestId, p, Fee));
                foreach (var (player, lineup) in lineups)
                    run.World.Submit(Entry($"s-{contestId}-{player}", contestId, player, payments[contestId][player],
                        lineup));
            }
            run.Define(Fantasy("thin", lockAt, ["g1"], minEntries: 5));
            foreach (var p in new[] { "p1", "p2" })
                run.World.Submit(Entry("s-thin-" + p, "thin", p, run.World.Pay("thin", p, Fee), "qb1", "rb1"));
            foreach (var contestId in Paid) await run.WaitForStateAsync(contestId, "LOCKED");
            run.World.Start("g1", 2);
            run.World.Stat("g1", 3, "qb1", "passing_yards", 750);    // 30.000
            run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);    // 20.000
            run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);  // 10.000
            run.World.End("g1", 6);
            foreach (var contestId in Paid) await run.WaitForSettlementStateAsync(contestId, "SETTLED");
            Dictionary<string, List<PrizePayoutOrdered>> orders = [];
            await Eventually.UntilAsync(() =>
            {
                var ordered = run.World.Read(Topics.PayoutsDue).Where(m => m.Type == PrizePayoutOrdered.MessageType)
                    .Select(m => m.Body.Deserialize<PrizePayoutOrdered>(OutgoingMessage.Json)!).ToList();
                orders = Paid.ToDictionary(c => c,
                    c => ordered.Where(o => o.ContestId == c).OrderBy(o => o.Rank).ToList());
                return Task.FromResult(orders.Values.All(o => o.Count == 3));
            }, "three payout orders for each contest on payouts.due");
            // Fees 30.00, rake 3.00, pool 27.00 at 50/30/20: 13.50, 8.10, 5.40, less 3% half-up.
            Assert.All(orders.Values, o =>
                Assert.Equal([("ada", 1_309L), ("bo", 786L), ("cy", 524L)], o.Select(o => (o.PlayerId, o.NetMinor))));
            return new Stack(run, orders, payments);
        }
    }

    private async Task<(ContestRun Run, List<PrizePayoutOrdered> Orders)> SettledAsync(string contestId)
    {
        var stack = await settled.GetAsync(fixture);
        return (stack.Run, stack.Orders[contestId]);
    }

    /// <summary>The dead letters of <c>payouts.status</c> for one contest (the key the test published with).</summary>
    private static List<OutsideWorld.Published> DeadLetters(ContestRun run, string contestId) =>
        [.. run.World.Read(Topics.DeadLetter(Topics.PayoutsStatus)).Where(m => m.Key == contestId)];

    /// <summary>The alerts with <paramref name="code"/> about one of <paramref name="subjects"/>.</summary>
    private static List<OutsideWorld.Published> Alerts(ContestRun run, string code, IEnumerable<string> subjects)
    {
        var about = subjects.ToHashSet(StringComparer.Ordinal);
        return [.. run.World.Read(Topics.Alerts).Where(a =>
            a.Body.GetProperty("code").GetString() == code
            && about.Contains(a.Body.GetProperty("subject").GetString()!))];
    }

    [Fact]
    public async Task Each_transfer_is_journalled_once_and_PAID_is_published_once_when_the_last_payout_is_paid()
    {
        var (run, orders) = await SettledAsync("main");
        var payments = (await settled.GetAsync(fixture)).Payments["main"];
        Assert.All(orders, o => Assert.Equal(payments[o.PlayerId], o.PaymentIntentId));

        Transfer(run, orders[0]);
        Transfer(run, orders[0]);                                                    // the same message again
        Transfer(run, orders[0],
            messageId: "replayed:" + orders[0].PayoutId);   // the same fact under another message id
        Transfer(run, orders[1]);
        await WaitForJournalAsync(run, $"transfer:{orders[1].PayoutId}");
        Assert.Equal("SETTLED", await run.SettlementStateAsync("main"));

        Transfer(run, orders[2]);
        Transfer(run, orders[2]);
        await run.WaitForSettlementStateAsync("main", "PAID");
        await WaitForTransitionAsync(run, "main", "PAID");

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var transfers = (await conn.QueryAsync<string>("SELECT journal_id FROM settlement.journal " +
            "WHERE kind = 'transfer_sent' AND contest_id = 'main' ORDER BY journal_id COLLATE \"C\"")).ToList();
        Assert.Equal(orders.Select(o => $"transfer:{o.PayoutId}").Order(StringComparer.Ordinal), transfers);
        Assert.Equal(orders.Select(o => "tr_" + o.PayoutId).Order(StringComparer.Ordinal),
            await conn.QueryAsync<string>("SELECT transfer_id FROM settlement.payouts " +
                "WHERE paid_at IS NOT NULL AND contest_id = 'main' ORDER BY transfer_id COLLATE \"C\""));

        var timeline = run.World.Read(Topics.ContestLifecycle).Where(m => m.Key == "main").ToList();
        var toPaid = Assert.Single(timeline,
            m => m.Type == ContestStateChanged.MessageType && m.Body.GetProperty("to").GetString() == "PAID");
        Assert.Equal("SETTLED", toPaid.Body.GetProperty("from").GetString());
        Assert.Equal(ContestStateChanged.MessageIdFor("main", ContestState.Paid),
            toPaid.Headers[MessageHeaders.MessageId]);
        var paid = Assert.Single(timeline, m => m.Type == ContestPaid.MessageType)
            .Body.Deserialize<ContestPaid>(OutgoingMessage.Json)!;
        Assert.Equal((3, 3, 0, orders.Sum(o => o.NetMinor), 0L, "USD"),
            (paid.PayoutCount, paid.PaidCount, paid.RejectedCount, paid.PaidMinor, paid.WithheldMinor, paid.Currency));

        // A PAID contest's accounts are closed: fees, pool and its winners' payables all at zero.
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "main"));
        var balances = (await LedgerCheckStore.ContestBalancesAsync(conn, "main"))
            .ToDictionary(b => b.Account, b => b.BalanceMinor);
        Assert.Equal(3 * Fee - orders.Sum(o => o.NetMinor), balances[Accounts.StripeBalance]);
        Assert.All(orders, o => Assert.Equal(0, balances[Accounts.PrizesPayable(o.PlayerId)]));
        Assert.Empty(DeadLetters(run, "main"));
    }

    [Fact]
    public async Task A_reversal_reopens_the_payable_and_holds_PAID_until_the_payout_is_resolved()
    {
        var (run, orders) = await SettledAsync("rev");
        var reversed = orders[0];

        Transfer(run, reversed);
        Reverse(run, reversed, 500, 500);
        Reverse(run, reversed, reversed.NetMinor - 500, reversed.NetMinor);
        Transfer(run, orders[1]);
        Transfer(run, orders[2]);
        await WaitForJournalAsync(run, $"transfer:{orders[2].PayoutId}");
        Assert.Equal("SETTLED", await run.SettlementStateAsync("rev"));   // every transfer made, but one came back

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(reversed.NetMinor, await conn.ExecuteScalarAsync<long>(
            "SELECT reversed_minor FROM settlement.payouts WHERE payout_id = @PayoutId", reversed));
        Assert.Equal(
            new[] { $"reversal:{reversed.PayoutId}:500", $"reversal:{reversed.PayoutId}:{reversed.NetMinor}" }
                .Order(StringComparer.Ordinal),
            await conn.QueryAsync<string>("SELECT journal_id FROM settlement.journal " +
                "WHERE kind = 'transfer_reversed' AND contest_id = 'rev' ORDER BY journal_id COLLATE \"C\""));
        var payable = (await LedgerCheckStore.ContestBalancesAsync(conn, "rev"))
            .Single(b => b.Account == Accounts.PrizesPayable(reversed.PlayerId));
        Assert.Equal(-reversed.NetMinor, payable.BalanceMinor);       // the prize is owed again

        // The operator rejects it: what it still owed is withheld, and the contest is PAID.
        Reject(run, reversed);
        await run.WaitForSettlementStateAsync("rev", "PAID");
        await WaitForTransitionAsync(run, "rev", "PAID");
        var paid = Assert.Single(run.World.Read(Topics.ContestLifecycle),
                m => m.Type == ContestPaid.MessageType && m.Key == "rev")
            .Body.Deserialize<ContestPaid>(OutgoingMessage.Json)!;
        Assert.Equal((3, 2, 1, orders[1].NetMinor + orders[2].NetMinor, reversed.NetMinor),
            (paid.PayoutCount, paid.PaidCount, paid.RejectedCount, paid.PaidMinor, paid.WithheldMinor));
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "rev"));
    }

    [Fact]
    public async Task A_prize_taken_back_after_PAID_is_withheld_as_far_as_it_came_back_and_the_books_balance()
    {
        var (run, orders) = await SettledAsync("claw");
        foreach (var o in orders) Transfer(run, o);
        await run.WaitForSettlementStateAsync("claw", "PAID");

        // Payout takes the prize back (its entry fee lost): 300 comes back, the prize is withheld by the pipeline with
        // what came back; then 200 more comes back (an operator's recovery of the rest) and is withheld too.
        var taken = orders[0];
        Reverse(run, taken, 300, 300,
            PrizeTransferReversed.ClawbackReasonPrefix + "the entry fee was disputed and the dispute lost");
        Reject(run, taken, withheld: 300, @operator: PayoutRejected.AutomaticOperator);
        Reverse(run, taken, 200, 500);
        await WaitForJournalAsync(run, $"reversal:{taken.PayoutId}:500");
        // The clawback after PAID is a warning that says it is withheld, not a critical "owed again".
        string[] subject = [$"payout {taken.PayoutId}"];
        await Eventually.UntilAsync(() => Alerts(run, "reversal_after_paid", subject).Count > 0,
            "the reversal-after-PAID alert");
        var afterPaid = Assert.Single(Alerts(run, "reversal_after_paid", subject));
        Assert.Equal("warning", afterPaid.Body.GetProperty("severity").GetString());
        Assert.Contains("Payout took it back and withholds it", afterPaid.Body.GetProperty("message").GetString(),
            StringComparison.Ordinal);

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(500L, await conn.ExecuteScalarAsync<long>(
            "SELECT withheld_minor FROM settlement.payouts WHERE payout_id = @PayoutId", taken));
        var balances = (await LedgerCheckStore.ContestBalancesAsync(conn, "claw"))
            .ToDictionary(b => b.Account, b => b.BalanceMinor);
        Assert.Equal(0, balances[Accounts.PrizesPayable(taken.PlayerId)]);
        Assert.Equal(-500, balances[Accounts.WithheldPrizes]);
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "claw"));
        Assert.Equal("PAID", await run.SettlementStateAsync("claw"));
        Assert.Empty(DeadLetters(run, "claw"));
    }

    [Fact]
    public async Task A_clawback_that_falls_short_books_a_receivable_that_recoveries_pay_down_and_two_admins_write_off()
    {
        var (run, orders) = await SettledAsync("owed");
        foreach (var o in orders) Transfer(run, o);
        await run.WaitForSettlementStateAsync("owed", "PAID");

        // Payout takes ada's 1,309 back: her account held 300, so 300 comes back and is withheld, and 1,009 is owed.
        var taken = orders[0];
        Reverse(run, taken, 300, 300, PrizeTransferReversed.ClawbackReasonPrefix + "the dispute was lost");
        Reject(run, taken, withheld: 300, @operator: PayoutRejected.AutomaticOperator);
        // A Payout that says she owes all of the prize (more than is left of it) books nothing: dead-lettered.
        Short(run, taken, recovered: 300, owed: taken.NetMinor, messageId: "payout:forged:clawback_short");
        Short(run, taken, recovered: 300, owed: taken.NetMinor - 300);
        // The same shortfall again (a Payout restored from a backup, under another id): booked once.
        Short(run, taken, recovered: 300, owed: taken.NetMinor - 300, messageId: "payout:again:clawback_short");
        await WaitForJournalAsync(run, $"receivable:{taken.PayoutId}");
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var balances = await BalancesAsync(conn, "owed");
        Assert.Equal(taken.NetMinor - 300, balances[Accounts.ClawbackReceivable(taken.PlayerId)]);
        Assert.Equal(-taken.NetMinor, balances[Accounts.WithheldPrizes]);   // all of the prize: 300 back, 1,009 owed

        await ARecoveryPaysTheReceivableDownAsync(run, conn, taken);

        var stillOwed = await TwoAdminsWriteTheRestOffAsync(run, conn, taken);

        // 100 more comes back of the transfer afterwards: it recovers that much of the loss, and nobody owes it again.
        Reverse(run, taken, 100, 800);
        await WaitForJournalAsync(run, $"reversal:{taken.PayoutId}:800");
        balances = await BalancesAsync(conn, "owed");
        Assert.Equal((0L, stillOwed - 100, -taken.NetMinor), (balances[Accounts.ClawbackReceivable(taken.PlayerId)],
            balances[Accounts.BadDebt], balances[Accounts.WithheldPrizes]));
        Assert.Equal((0L, stillOwed - 100), await conn.QuerySingleAsync<(long, long)>(
            "SELECT receivable_minor, written_off_minor FROM settlement.payouts WHERE payout_id = @PayoutId", taken));
        Assert.Single(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.journal WHERE kind = 'receivable_written_off' AND contest_id = 'owed'"));
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "owed"));

        var dead = Assert.Single(await Eventually.UntilAsync(() => DeadLetters(run, "owed"), d => d.Count > 0,
            "the forged shortfall dead-lettered"));
        Assert.Equal(PrizeClawbackShort.MessageType, dead.Type);
        var reason = dead.Headers[MessageHeaders.DeadLetterReason];
        Assert.True(reason.Contains($"owedMinor {taken.NetMinor} differs from the net prize less what came back " +
            $"{taken.NetMinor - 300}", StringComparison.Ordinal), reason);
    }

    private static async Task ARecoveryPaysTheReceivableDownAsync(ContestRun run, Npgsql.NpgsqlConnection conn,
        PrizePayoutOrdered taken)
    {
        // An operator recovers 400 of it from the winner and reverses that much more of the transfer: it pays the
        // receivable down; none of it is owed to her again or withheld twice.
        Reverse(run, taken, 400, 700);
        await WaitForJournalAsync(run, $"reversal:{taken.PayoutId}:700");
        var balances = await BalancesAsync(conn, "owed");
        Assert.Equal(taken.NetMinor - 700, balances[Accounts.ClawbackReceivable(taken.PlayerId)]);
        Assert.Equal(-taken.NetMinor, balances[Accounts.WithheldPrizes]);
        Assert.Equal(0, balances[Accounts.PrizesPayable(taken.PlayerId)]);
        Assert.Equal((taken.NetMinor - 700, taken.NetMinor),
            await conn.QuerySingleAsync<(long, long)>("SELECT receivable_minor, withheld_minor " +
                "FROM settlement.payouts WHERE payout_id = @PayoutId", taken));
        Assert.Single(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.journal WHERE kind = 'clawback_receivable' AND contest_id = 'owed'"));
        // The ledger check agrees with the payouts on what she owes, and lists it.
        var (problems, owed) = await LedgerCheckStore.ReceivablesAsync(conn);
        Assert.Empty(problems);
        Assert.Equal([new ContestPipeline.Operations.Queries.Ledger.AccountBalance(
            Accounts.ClawbackReceivable(taken.PlayerId), "USD", taken.NetMinor - 700)], owed);
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "owed"));
    }

    /// <summary>The rest of the receivable written off by two admins; how much that was.</summary>
    private static async Task<long> TwoAdminsWriteTheRestOffAsync(ContestRun run, Npgsql.NpgsqlConnection conn,
        PrizePayoutOrdered taken)
    {
        // Nobody recovers the rest: two admins write it off. ann's request alone books nothing (a warning says a
        // second operator must ask); bob's for less than is owed is refused; bob's for all of it books the loss, once.
        var stillOwed = taken.NetMinor - 700;
        string[] subject = [$"payout {taken.PayoutId}"];
        WriteOff(run, taken, stillOwed, "ann");
        await Eventually.UntilAsync(() => Alerts(run, "write_off_awaits_second_operator", subject).Count > 0,
            "ann's request announced");
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>(
            "SELECT written_off_minor FROM settlement.payouts WHERE payout_id = @PayoutId", taken));
        var refused = WriteOff(run, taken, stillOwed - 1, "bob");
        var letter = await Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(Topics.Operations))
            .Where(m => m.Headers[MessageHeaders.MessageId] == refused).ToList(), l => l.Count > 0,
            "bob's request for less than is owed dead-lettered");
        Assert.Contains($"amountMinor {stillOwed - 1} is not what {taken.PlayerId} owes back on it ({stillOwed})",
            letter[0].Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal);
        WriteOff(run, taken, stillOwed, "bob");
        WriteOff(run, taken, stillOwed, "cy");   // a third request after it is written off books nothing more
        await WaitForJournalAsync(run, $"write-off:{taken.PayoutId}");
        await Eventually.UntilAsync(() => Alerts(run, "receivable_written_off", subject).Count > 0,
            "the write-off announced");
        var balances = await BalancesAsync(conn, "owed");
        Assert.Equal((0L, stillOwed, -taken.NetMinor), (balances[Accounts.ClawbackReceivable(taken.PlayerId)],
            balances[Accounts.BadDebt], balances[Accounts.WithheldPrizes]));
        var (problems, owed) = await LedgerCheckStore.ReceivablesAsync(conn);
        Assert.Empty(problems);
        Assert.Empty(owed);
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        return stillOwed;
    }

    private static async Task<Dictionary<string, long>> BalancesAsync(Npgsql.NpgsqlConnection conn, string contestId) =>
        (await LedgerCheckStore.ContestBalancesAsync(conn, contestId))
            .ToDictionary(b => b.Account, b => b.BalanceMinor);

    [Fact]
    public async Task A_withholding_that_names_more_than_came_back_of_the_transfer_is_dead_lettered()
    {
        var (run, orders) = await SettledAsync("over");
        var taken = orders[0];
        Transfer(run, taken);
        Reverse(run, taken, 300, 300);
        Reject(run, taken, withheld: taken.NetMinor, @operator: PayoutRejected.AutomaticOperator);
        await Eventually.UntilAsync(() => DeadLetters(run, "over").Any(m => m.Type == PayoutRejected.MessageType),
            "the withholding dead-lettered");
        var reason = DeadLetters(run, "over").Single(m => m.Type == PayoutRejected.MessageType)
            .Headers[MessageHeaders.DeadLetterReason];
        Assert.Contains("amountMinor", reason, StringComparison.Ordinal);
        Assert.Contains("still owed to the winner", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reversal_after_PAID_is_recorded_and_alerted_and_the_contest_stays_PAID()
    {
        var (run, orders) = await SettledAsync("late");
        foreach (var o in orders) Transfer(run, o);
        await run.WaitForSettlementStateAsync("late", "PAID");

        var reversed = orders[1];
        Reverse(run, reversed, 300, 300);
        await WaitForJournalAsync(run, $"reversal:{reversed.PayoutId}:300");
        await Eventually.UntilAsync(() => Alerts(run, "reversal_after_paid", [$"payout {reversed.PayoutId}"]).Count > 0,
            "the reversal-after-PAID alert");

        Assert.Equal("PAID", await run.SettlementStateAsync("late"));
        var transitions = run.World.Read(Topics.ContestLifecycle)
            .Where(m => m.Key == "late" && m.Type == ContestStateChanged.MessageType)
            .Select(m => m.Body.GetProperty("to").GetString()).ToList();
        Assert.Equal("PAID", transitions[^1]);
        Assert.Single(transitions, t => t == "PAID");
        // The ledger says what happened: the winner is owed the reversed amount again, so the check names the
        // open payable.
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        var problem = Assert.Single(await LedgerCheckStore.ContestAsync(conn, "late"));
        Assert.Contains($"{Accounts.PrizesPayable(reversed.PlayerId)} is -300", problem);
    }

    [Fact]
    public async Task A_rejected_payout_is_withheld_and_counts_as_resolved_for_PAID()
    {
        var (run, orders) = await SettledAsync("held");
        var rejected = orders[0];

        Reject(run, rejected);
        Reject(run, rejected);
        Transfer(run, orders[1]);
        await WaitForJournalAsync(run, $"transfer:{orders[1].PayoutId}");
        Assert.Equal("SETTLED", await run.SettlementStateAsync("held"));
        Transfer(run, orders[2]);
        await run.WaitForSettlementStateAsync("held", "PAID");
        await WaitForTransitionAsync(run, "held", "PAID");

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var withheld = (await conn.QueryAsync<(string Account, long Amount)>(
            "SELECT account, amount_minor FROM settlement.postings WHERE journal_id = @id ORDER BY line",
            new { id = $"withheld:{rejected.PayoutId}" })).ToList();
        Assert.Equal([(Accounts.PrizesPayable(rejected.PlayerId), rejected.NetMinor),
            (Accounts.WithheldPrizes, -rejected.NetMinor)], withheld);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM settlement.journal WHERE kind = 'prize_withheld' AND contest_id = 'held'"));
        var paid = Assert.Single(run.World.Read(Topics.ContestLifecycle),
                m => m.Type == ContestPaid.MessageType && m.Key == "held")
            .Body.Deserialize<ContestPaid>(OutgoingMessage.Json)!;
        Assert.Equal((3, 2, 1, orders[1].NetMinor + orders[2].NetMinor, rejected.NetMinor),
            (paid.PayoutCount, paid.PaidCount, paid.RejectedCount, paid.PaidMinor, paid.WithheldMinor));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "held"));
    }

    [Fact]
    public async Task A_transfer_that_differs_from_its_order_or_names_no_order_is_dead_lettered_with_its_reason()
    {
        var (run, orders) = await SettledAsync("odd");
        var order = orders[0];

        Transfer(run, order with { NetMinor = order.NetMinor + 1 });
        Transfer(run, order with { PayoutId = "prize_00000000000000000000000000000000" });
        Transfer(run, orders[1]);
        await WaitForJournalAsync(run, $"transfer:{orders[1].PayoutId}");
        await Eventually.UntilAsync(() => DeadLetters(run, "odd").Count >= 2, "the dead letters on payouts.status.dlq");

        var dead = DeadLetters(run, "odd");
        var reasons = dead.Select(d => d.Headers[MessageHeaders.DeadLetterReason]).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains($"PrizeTransferred for payout {order.PayoutId}: amountMinor {order.NetMinor + 1} " +
            $"differs from the net prize ordered {order.NetMinor}", reasons);
        Assert.Contains("PrizeTransferred for payout prize_00000000000000000000000000000000: unknown payout id; " +
            "Settlement ordered no such payout", reasons);
        Assert.Equal(2, Alerts(run, "dead_letter",
            dead.Select(d => $"{Topics.PayoutsStatus}/{d.Headers[MessageHeaders.MessageId]}")).Count);

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM settlement.journal WHERE journal_id = @id",
            new { id = $"transfer:{order.PayoutId}" }));
        Assert.Null(await conn.ExecuteScalarAsync<string>(
            "SELECT transfer_id FROM settlement.payouts WHERE payout_id = @PayoutId", order));
    }

    [Fact]
    public async Task Refunds_of_a_cancelled_contests_entries_close_its_entry_fee_account()
    {
        var run = (await settled.GetAsync(fixture)).Run;   // "thin" was entered twice, and needed five
        await run.WaitForSettlementStateAsync("thin", "CANCELLED");
        List<RefundOrdered> RefundOrders() => [.. run.World.Read(Topics.PayoutsDue)
            .Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.Deserialize<RefundOrdered>(OutgoingMessage.Json)!).Where(r => r.ContestId == "thin")];
        await Eventually.UntilAsync(() => RefundOrders().Count >= 2, "the refund orders");
        var refunds = RefundOrders();

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        // the fees wait, refund ordered, in the contest's account
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "thin"));
        Assert.Equal(-2 * Fee, (await LedgerCheckStore.ContestBalancesAsync(conn, "thin"))
            .Single(b => b.Account == Accounts.EntryFees("thin")).BalanceMinor);

        foreach (var r in refunds) Refunded(run, r.RefundId, r.ContestId, r.PlayerId, r.PaymentIntentId, r.AmountMinor);
        Refunded(run, refunds[0].RefundId, "thin", refunds[0].PlayerId, refunds[0].PaymentIntentId,
            refunds[0].AmountMinor);
        await Eventually.UntilAsync(async () => await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM settlement.refund_orders " +
                "WHERE refunded_at IS NOT NULL AND contest_id = 'thin'") == 2,
            "both refunds recorded");

        Assert.Equal(refunds.Select(r => $"refund:{r.RefundId}").Order(StringComparer.Ordinal),
            await conn.QueryAsync<string>("SELECT journal_id FROM settlement.journal " +
                "WHERE kind = 'refund' AND contest_id = 'thin' ORDER BY journal_id COLLATE \"C\""));
        var balances = (await LedgerCheckStore.ContestBalancesAsync(conn, "thin"))
            .ToDictionary(b => b.Account, b => b.BalanceMinor);
        Assert.Equal(0, balances[Accounts.EntryFees("thin")]);
        Assert.Equal(0, balances[Accounts.StripeBalance]);
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "thin"));
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
    }

    [Fact]
    public async Task A_refund_of_a_payment_that_made_no_entry_is_two_balanced_entries_that_net_to_zero()
    {
        var run = (await settled.GetAsync(fixture)).Run;
        const string payment = "pi_late_after_lock";
        var refundId = RefundOrdered.RefundIdFor(payment);
        Refunded(run, refundId, "sunday", "p9", payment, 2_500);
        Refunded(run, refundId, "sunday", "p9", payment, 2_500, messageId: "replayed:" + refundId);
        // not the refund id of its payment: refused
        Refunded(run, "refund_other", "sunday", "p9", "pi_other", 2_500);

        await Eventually.UntilAsync(() => DeadLetters(run, "sunday").Count >= 1,
            "the refund with a foreign refund id dead-lettered");
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var postings = (await conn.QueryAsync<(string JournalId, string Kind, string Account, long Amount)>("""
            SELECT j.journal_id, j.kind, p.account, p.amount_minor
            FROM settlement.journal j JOIN settlement.postings p USING (journal_id)
            WHERE j.contest_id = 'sunday' ORDER BY j.journal_id COLLATE "C" DESC, p.line
            """)).ToList();
        Assert.Equal(
            [
                ($"unapplied:{refundId}", "payment_unapplied", Accounts.StripeBalance, 2_500L),
                ($"unapplied:{refundId}", "payment_unapplied", Accounts.UnappliedPayments, -2_500L),
                ($"refund:{refundId}", "refund", Accounts.UnappliedPayments, 2_500L),
                ($"refund:{refundId}", "refund", Accounts.StripeBalance, -2_500L),
            ],
            postings);
        Assert.All(await LedgerCheckStore.ContestBalancesAsync(conn, "sunday"), b => Assert.Equal(0, b.BalanceMinor));
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Contains("refund id of PaymentIntent pi_other is refund_pi_other",
            Assert.Single(await Eventually.UntilAsync(() => DeadLetters(run, "sunday"), d => d.Count > 0,
                "the refund under another payment's id dead-lettered")).Headers[MessageHeaders.DeadLetterReason]);
    }

    [Fact]
    public async Task A_contest_settled_without_awards_is_PAID_in_the_same_transaction()
    {
        // No valid contest with entries settles without a prize (a rake is at most half the
        // fees), so this one reaches Settlement as the referee would publish a contest that
        // completed with no entries.
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        var definition = Fantasy("empty", DateTimeOffset.UtcNow, ["g1"]);
        run.World.Publish(Topics.ContestLifecycle, "empty", ContestScheduled.MessageType,
            ContestScheduled.MessageIdFor("empty"), new ContestScheduled(OutsideWorld.Sealed(definition)));
        run.World.Publish(Topics.ContestLifecycle, "empty", ContestCompleted.MessageType,
            ContestCompleted.MessageIdFor("empty"),
            new ContestCompleted("empty", 0, 1, "standings-hash", "inputs-hash", DateTimeOffset.UtcNow));
        run.World.Publish(Topics.Standings, "empty", FinalStandingsPublished.MessageType,
            FinalStandingsPublished.MessageIdFor("empty", 0),
            new FinalStandingsPublished("empty", 0, 1, []));

        await run.WaitForSettlementStateAsync("empty", "PAID");
        await WaitForTransitionAsync(run, "empty", "PAID");
        var timeline = run.World.Read(Topics.ContestLifecycle).Where(m => m.Key == "empty").ToList();
        Assert.Equal(["SETTLED", "PAID"], timeline.Where(m => m.Type == ContestStateChanged.MessageType)
            .Select(m => m.Body.GetProperty("to").GetString()));
        var paid = Assert.Single(timeline, m => m.Type == ContestPaid.MessageType)
            .Body.Deserialize<ContestPaid>(OutgoingMessage.Json)!;
        Assert.Equal((0, 0, 0, 0L, 0L),
            (paid.PayoutCount, paid.PaidCount, paid.RejectedCount, paid.PaidMinor, paid.WithheldMinor));
    }

    private static void Transfer(ContestRun run, PrizePayoutOrdered o, string? messageId = null) =>
        run.World.Publish(Topics.PayoutsStatus, o.ContestId, PrizeTransferred.MessageType,
            messageId ?? PrizeTransferred.MessageIdFor(o.PayoutId),
            new PrizeTransferred(o.PayoutId, o.ContestId, o.EntryId, o.PlayerId, "acct_" + o.PlayerId,
                "tr_" + o.PayoutId, o.NetMinor, o.Currency, DateTimeOffset.UtcNow));

    private static void Reverse(ContestRun run, PrizePayoutOrdered o, long amount, long total,
        string reason = "transfer.reversed") =>
        run.World.Publish(Topics.PayoutsStatus, o.ContestId, PrizeTransferReversed.MessageType,
            PrizeTransferReversed.MessageIdFor(o.PayoutId, total),
            new PrizeTransferReversed(o.PayoutId, o.ContestId, o.PlayerId, "tr_" + o.PayoutId, amount, total,
                o.Currency, reason, DateTimeOffset.UtcNow));

    private static void Reject(ContestRun run, PrizePayoutOrdered o, long? withheld = null,
        string @operator = "ops@example.com") =>
        run.World.Publish(Topics.PayoutsStatus, o.ContestId, PayoutRejected.MessageType,
            PayoutRejected.MessageIdFor(o.PayoutId),
            new PayoutRejected(o.PayoutId, o.ContestId, o.PlayerId, withheld ?? o.NetMinor, o.Currency, @operator,
                "identity not verified", DateTimeOffset.UtcNow));

    private static void Short(ContestRun run, PrizePayoutOrdered o, long recovered, long owed,
        string? messageId = null) =>
        run.World.Publish(Topics.PayoutsStatus, o.ContestId, PrizeClawbackShort.MessageType,
            messageId ?? PrizeClawbackShort.MessageIdFor(o.PayoutId),
            new PrizeClawbackShort(o.PayoutId, o.ContestId, o.PlayerId, "tr_" + o.PayoutId, recovered, owed, o.Currency,
                "the dispute was lost: the winner's account held 300", DateTimeOffset.UtcNow));

    /// <summary>
    /// An operator's request to write off what <paramref name="o"/>'s winner owes back; its message id.
    /// </summary>
    private static string WriteOff(ContestRun run, PrizePayoutOrdered o, long amountMinor, string @operator)
    {
        var at = DateTimeOffset.UtcNow;
        var id = ReceivableWriteOffRequested.MessageIdFor(o.PayoutId, @operator, at);
        run.World.Publish(Topics.Operations, o.ContestId, ReceivableWriteOffRequested.MessageType, id,
            new ReceivableWriteOffRequested(o.PayoutId, o.ContestId, o.PlayerId, amountMinor, o.Currency, @operator,
                "recovery given up", at));
        return id;
    }

    private static void Refunded(ContestRun run, string refundId, string contestId, string playerId,
        string paymentIntentId, long amount, string? messageId = null) =>
        run.World.Publish(Topics.PayoutsStatus, contestId, EntryFeeRefunded.MessageType,
            messageId ?? EntryFeeRefunded.MessageIdFor(refundId),
            new EntryFeeRefunded(refundId, contestId, playerId, paymentIntentId, amount, "USD", "re_" + paymentIntentId,
                "contest cancelled", DateTimeOffset.UtcNow));

    private static Task WaitForJournalAsync(ContestRun run, string journalId) =>
        Eventually.UntilAsync(async () =>
        {
            await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM settlement.journal WHERE journal_id = @journalId)", new { journalId });
        }, $"journal entry {journalId}");

    /// <summary>The database records a transition a moment before the relay has published it.</summary>
    private static Task WaitForTransitionAsync(ContestRun run, string contestId, string to) =>
        Eventually.UntilAsync(() => run.World.Read(Topics.ContestLifecycle).Any(m =>
                m.Key == contestId && m.Type == ContestStateChanged.MessageType
                && m.Body.GetProperty("to").GetString() == to),
            $"{contestId} -> {to} on the timeline");
}

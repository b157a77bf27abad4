using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// From COMPLETE to SETTLED through the real workers: prizes to the cent, the ledger balanced, refunds on cancellation.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class SettlementFlowTests(PipelineFixture fixture)
{
    [Fact]
    public async Task
        A_completed_contest_is_settled_to_the_cent_with_a_tie_at_the_prize_boundary_and_a_balanced_ledger()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement");
        // The schedule, the definition and six paid entries before the lock: once, on a machine at load 45, the
        // definition reached Ingestion after the default margin.
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 30);
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1", "wr1", "te1", "k1", "d1");
        run.Define(Fantasy("paid", lockAt, ["g1"]) with
        {
            PrizeTable = new PrizeTable(PrizeTableKinds.TopThreeWeighted),
        });
        var lineups = new Dictionary<string, string[]>
        {
            ["ada"] = ["qb1", "rb1"], ["bo"] = ["qb1", "wr1"], ["cy"] = ["rb1", "wr1"], ["di"] = ["wr1", "rb1"],
            ["ed"] = ["te1", "k1"], ["fi"] = ["te1", "d1"],
        };
        foreach (var (player, lineup) in lineups)
            run.World.Submit(Entry("s-" + player, "paid", player, run.World.Pay("paid", player, Fee), lineup));
        await run.WaitForStateAsync("paid", "LOCKED");
        run.World.Start("g1", 2);
        run.World.Stat("g1", 3, "qb1", "passing_yards", 750);    // 30.000
        run.World.Stat("g1", 4, "rb1", "rushing_yards", 200);    // 20.000
        run.World.Stat("g1", 5, "wr1", "receiving_yards", 100);  // 10.000
        run.World.Stat("g1", 6, "te1", "receptions", 2);         // 1.000
        run.World.End("g1", 7);
        await run.WaitForSettlementStateAsync("paid", "SETTLED");
        // SETTLED is committed a moment before the relay has published the orders.
        await Eventually.UntilAsync(() =>
            run.World.Read(Topics.PayoutsDue).Count(m => m.Type == PrizePayoutOrdered.MessageType) >= 4,
            "the four payout orders on payouts.due");

        // Fees 6 × 10.00 = 60.00; rake 10% = 6.00; pool 54.00 at 50/30/20: 27.00, 16.20, 10.80.
        // cy and di tie for 3rd and share 3rd (10.80) and 4th (nothing): 5.40 each. Fee 3% half-up per prize.
        var orders = run.World.Read(Topics.PayoutsDue).Where(m => m.Type == PrizePayoutOrdered.MessageType)
            .Select(m =>
                (Player: m.Body.GetProperty("playerId").GetString()!, Rank: m.Body.GetProperty("rank").GetInt32(),
                Gross: m.Body.GetProperty("grossMinor").GetInt64(), Fee: m.Body.GetProperty("feeMinor").GetInt64(),
                Net: m.Body.GetProperty("netMinor").GetInt64()))
            .OrderBy(o => o.Rank).ThenBy(o => o.Player, StringComparer.Ordinal).ToList();
        Assert.Equal(
            [("ada", 1, 2_700L, 81L, 2_619L), ("bo", 2, 1_620L, 49L, 1_571L), ("cy", 3, 540L, 16L, 524L),
                ("di", 3, 540L, 16L, 524L)],
            orders);

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await conn.QueryAsync<string>(
            "SELECT journal_id FROM settlement.postings GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0"));
        var balances = (await conn.QueryAsync<(string Account, long Balance)>(
            "SELECT account, sum(amount_minor) FROM settlement.postings GROUP BY account"))
            .ToDictionary(b => b.Account, b => b.Balance);
        Assert.Equal(0, balances["contest:paid:entry_fees"]);
        Assert.Equal(0, balances["contest:paid:prize_pool"]);
        Assert.Equal(6_000, balances["platform:stripe_balance"]);
        Assert.Equal(-600, balances["platform:rake_revenue"]);
        Assert.Equal(-(81 + 49 + 16 + 16), balances["platform:fee_revenue"]);
        Assert.Equal(-2_619, balances["player:ada:prizes_payable"]);
        Assert.Equal(0, balances.Values.Sum());

        await AssertTheLedgerRefusesToBeRewrittenAsync(conn);
    }

    /// <summary>
    /// The ledger refuses to be rewritten, to take postings that do not balance or of no recorded entry, a payout of
    /// no recorded contest or moved to another, and final standings jsonb would refuse.
    /// </summary>
    private static async Task AssertTheLedgerRefusesToBeRewrittenAsync(Npgsql.NpgsqlConnection conn)
    {
        // The ledger refuses to be rewritten.
        var refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            conn.ExecuteAsync("UPDATE settlement.postings SET amount_minor = 1 WHERE line = 1"));
        Assert.Contains("append-only", refused.MessageText);
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() =>
            conn.ExecuteAsync("TRUNCATE settlement.postings"));
        Assert.Contains("append-only", refused.MessageText);
        // Nor does it take postings of an entry it has no record of, or an entry that does not balance.
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            "INSERT INTO settlement.postings VALUES ('nowhere', 1, 'a', 5, 'USD'), ('nowhere', 2, 'b', -5, 'USD')"));
        Assert.Contains("postings of journal entry nowhere, which is not recorded", refused.MessageText);
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            "INSERT INTO settlement.postings SELECT journal_id, 99, 'a', 5, 'USD' FROM settlement.journal LIMIT 1"));
        Assert.Contains("does not balance", refused.MessageText);

        // A payout names a recorded contest, checked per statement (settlement/0011), and never moves to another.
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            "INSERT INTO settlement.payouts (payout_id, contest_id, entry_id, player_id, rank, gross_minor, " +
            "fee_minor, " +
            "net_minor, currency, ordered_at) SELECT 'stray-' || payout_id, 'nowhere', 'stray-' || entry_id, " +
            "player_id, rank, " +
            "gross_minor, fee_minor, net_minor, currency, ordered_at FROM settlement.payouts"));
        Assert.Equal(Npgsql.PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);
        Assert.Contains("payouts of contest nowhere, which is not recorded", refused.MessageText);
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            "UPDATE settlement.payouts SET contest_id = 'elsewhere' WHERE rank = 1"));
        Assert.Contains("belongs to contest paid and cannot be moved to elsewhere", refused.MessageText);
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM settlement.payouts WHERE contest_id = 'paid'"));
        // Final standings are kept as text but refused where jsonb would refuse them (settlement/0011).
        refused = await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => conn.ExecuteAsync(
            "INSERT INTO settlement.standings_chunks VALUES ('paid', 99, 100, '[{\"entryId\": \"e\\u0000\"}]')"));
        Assert.Equal(Npgsql.PostgresErrorCodes.UntranslatableCharacter, refused.SqlState);
        Assert.Contains("unsupported Unicode escape sequence", refused.MessageText);
    }

    [Fact]
    public async Task A_cancelled_contest_orders_one_refund_per_entry()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion", "scoring", "settlement");
        var lockAt = await run.LockTimeAsync();
        run.World.Schedule("g1", 1, lockAt.AddMinutes(5), "qb1", "rb1");
        run.Define(Fantasy("thin", lockAt, ["g1"], minEntries: 5));
        var payments = new[] { "p1", "p2" }.Select(p => (Player: p, Payment: run.World.Pay("thin", p, Fee))).ToList();
        foreach (var (player, payment) in payments)
            run.World.Submit(Entry("s-" + player, "thin", player, payment, "qb1", "rb1"));
        await run.WaitForStateAsync("thin", "CANCELLED");
        await Eventually.UntilAsync(() =>
            run.World.Read(Topics.PayoutsDue).Count(m => m.Type == RefundOrdered.MessageType) >= 2,
            "the refund orders");
        var refunds = run.World.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).Order().ToList();
        Assert.Equal(payments.Select(p => p.Payment).Order(), refunds);
    }
}

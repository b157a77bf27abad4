using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Local.Bench;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Database;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Settlement;
using ContestPipeline.Settlement.Contests;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// A contest settled in chunks (SettleContestsJob) posts, orders and records exactly what
/// <see cref="SettlementPlan.For"/> decides for it in one piece, to the cent and the hash;
/// a settler killed between a chunk's writes and its commit resumes at the cursor and
/// posts and orders nothing twice; two settlers at once settle each contest once.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ChunkedSettlementTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task
        A_contest_settled_in_chunks_with_a_crash_between_them_posts_and_orders_what_the_one_piece_plan_does()
    {
        var contest = SettlementSlate.Contest("chunky", paidPlaces: 40, entries: 90);
        var standings = SettlementSlate.Standings("chunky", 90, seed: 7);
        Assert.Contains(standings.Take(40),
            r => standings.Count(o => o.Rank == r.Rank) > 1);   // ties among the paid places
        var plan = SettlementPlan.For("chunky", contest, SettlementSlate.Fees("chunky", standings), standings, Now);
        Assert.True(plan.Terms.Awards.Count > 14);   // more than two chunks of 7

        await using var db = await DatabaseAsync();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
            await SettlementSlate.SeedAsync(conn, contest, standings, CancellationToken.None);

        // The settler dies after the second chunk's writes, before its commit; it starts again.
        var chunksReached = 0;
        var crash = new CrashPoints(null)
            { Action = point => { if (++chunksReached == 2) throw new SimulatedCrashException(point); } };
        var clock = new ManualClock(Now);
        var job = new SettleContestsJob(crash, awardsPerChunk: 7);
        var context = new JobContext(db.DataSource, new OutboxStore(SettlementWorker.Name), clock);
        Assert.True(
            await job.RunAsync(context, CancellationToken.None));   // chunk 0 with the start: entry, authorization
        await Assert.ThrowsAsync<SimulatedCrashException>(
            () => job.RunAsync(context, CancellationToken.None));   // chunk 1, rolled back
        Assert.Equal(7,
            await ScalarAsync<int>(db, "SELECT posted FROM settlement.settle_runs WHERE contest_id = 'chunky'"));
        Assert.Equal(7,
            await ScalarAsync<long>(db, "SELECT count(*) FROM settlement.payouts WHERE contest_id = 'chunky'"));
        Assert.Equal("COMPLETE",
            await ScalarAsync<string>(db, "SELECT state FROM settlement.contests WHERE contest_id = 'chunky'"));

        var restarted = new SettleContestsJob(new CrashPoints(null), awardsPerChunk: 7);
        clock.Advance(TimeSpan.FromMinutes(1));   // later chunks run later; what they publish does not depend on when
        while (await restarted.RunAsync(context, CancellationToken.None)) { }
        Assert.Equal("SETTLED",
            await ScalarAsync<string>(db, "SELECT state FROM settlement.contests WHERE contest_id = 'chunky'"));

        // The ledger: every journal entry of the plan, line for line, and nothing else.
        await using var read = await db.DataSource.OpenConnectionAsync();
        await AssertTheLedgerIsThePlansAsync(read, plan);
        await AssertWhatWentOutIsThePlansAsync(read, plan);
        // The payouts table holds each prize once, as the plan awarded it.
        Assert.Equal(plan.Terms.Awards.Select(a =>
            (a.PayoutId, a.EntryId, a.Rank, a.Gross.MinorUnits, a.Fee.MinorUnits, a.Net.MinorUnits)),
            await read.QueryAsync<(string, string, int, long, long, long)>(
                "SELECT payout_id, entry_id, rank, gross_minor, fee_minor, net_minor FROM settlement.payouts " +
                "WHERE contest_id = 'chunky' ORDER BY award_seq"));

        // Done is done: another run finds nothing to settle.
        Assert.False(await restarted.RunAsync(context, CancellationToken.None));
    }

    private static async Task AssertTheLedgerIsThePlansAsync(NpgsqlConnection read, SettlementPlan plan)
    {
        var postings = (await read.QueryAsync<(string JournalId, int Line, string Account, long Amount,
            string Currency)>("""
            SELECT p.journal_id, p.line, p.account, p.amount_minor, p.currency
            FROM settlement.postings p JOIN settlement.journal j USING (journal_id)
            WHERE j.contest_id = 'chunky' AND j.kind IN ('settlement', 'prize_payable')
            ORDER BY p.journal_id COLLATE "C", p.line
            """)).ToList();
        var expected = plan.Journal.SelectMany(e =>
            e.Lines().Select((p, i) => (e.JournalId, i + 1, p.Account, p.Amount.MinorUnits, p.Amount.Currency.Code)))
            .OrderBy(p => p.JournalId, StringComparer.Ordinal).ThenBy(p => p.Item2).ToList();
        Assert.Equal(expected, postings);
        Assert.Equal(plan.Journal.Select(e => e.Description).Order(StringComparer.Ordinal),
            await read.QueryAsync<string>("SELECT description FROM settlement.journal WHERE contest_id = 'chunky' " +
                "AND kind IN ('settlement', 'prize_payable') ORDER BY description COLLATE \"C\""));
        Assert.Empty(await LedgerCheckStore.BookAsync(read));
    }

    private static async Task AssertWhatWentOutIsThePlansAsync(NpgsqlConnection read, SettlementPlan plan)
    {
        // What went out, in the order the relay sends it: the authorization, every order in award order, then SETTLED.
        var outbox = (await read.QueryAsync<(string MessageId, string Topic, string Type, byte[] Payload)>(
            "SELECT message_id, topic, message_type, payload FROM settlement.outbox ORDER BY id")).ToList();
        Assert.Equal(outbox.Count, outbox.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(ContestPayoutsAuthorized.MessageType, outbox[0].Type);
        Assert.Equal(plan.Terms.Authorization, Body<ContestPayoutsAuthorized>(outbox[0].Payload));
        var orders = outbox.Where(m => m.Type == PrizePayoutOrdered.MessageType).ToList();
        Assert.Equal(plan.Orders, orders.Select(m => Body<PrizePayoutOrdered>(m.Payload)));
        Assert.Equal(plan.Orders.Select(o => o.PayoutId), orders.Select(m => m.MessageId));
        Assert.Equal(Hash(plan.Orders.Select(o => JsonSerializer.SerializeToUtf8Bytes(o, OutgoingMessage.Json))),
            Hash(orders.Select(m => m.Payload)));
        Assert.Equal([ContestSettled.MessageType, ContestStateChanged.MessageType],
            outbox.Skip(1 + orders.Count).Select(m => m.Type));
        Assert.Equal(plan.Terms.Record, Body<ContestSettled>(outbox[^2].Payload));
        Assert.Equal(plan.Terms.Reason, Body<ContestStateChanged>(outbox[^1].Payload).Reason);
    }

    [Fact]
    public async Task Two_settlers_at_once_settle_every_contest_once()
    {
        await using var db = await DatabaseAsync();
        var plans = new Dictionary<string, SettlementPlan>();
        for (var c = 0; c < 4; c++)
        {
            var id = $"two-{c}";
            var contest = SettlementSlate.Contest(id, paidPlaces: 12 + c, entries: 30 + c);
            var standings = SettlementSlate.Standings(id, 30 + c, seed: c);
            plans[id] = SettlementPlan.For(id, contest, SettlementSlate.Fees(id, standings), standings, Now);
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await SettlementSlate.SeedAsync(conn, contest, standings, CancellationToken.None);
        }

        var context = new JobContext(db.DataSource, new OutboxStore(SettlementWorker.Name), new ManualClock(Now));
        async Task SettleAsync(SettleContestsJob job)
        {
            // Each runs until nothing is left; a run that met the other's lock on the same contest skips it.
            while (await ScalarAsync<long>(db, "SELECT count(*) FROM settlement.contests WHERE state <> 'SETTLED'") > 0)
                await job.RunAsync(context, CancellationToken.None);
        }
        await Task.WhenAll(
            Task.Run(() => SettleAsync(new SettleContestsJob(new CrashPoints(null), awardsPerChunk: 3))),
            Task.Run(() => SettleAsync(new SettleContestsJob(new CrashPoints(null), awardsPerChunk: 3))));

        await using var read = await db.DataSource.OpenConnectionAsync();
        var orders = (await read.QueryAsync<byte[]>("SELECT payload FROM settlement.outbox WHERE message_type = @t " +
            "ORDER BY id", new { t = PrizePayoutOrdered.MessageType }))
            .Select(Body<PrizePayoutOrdered>).ToList();
        foreach (var (id, plan) in plans)
        {
            Assert.Equal(plan.Orders, orders.Where(o => o.ContestId == id));
            Assert.Equal(plan.Journal.Count, await read.ExecuteScalarAsync<long>("SELECT count(*) FROM " +
                "settlement.journal WHERE contest_id = @id AND kind IN ('settlement', 'prize_payable')", new { id }));
            Assert.Empty(await LedgerCheckStore.ContestAsync(read, id));
        }
        Assert.Equal(4, await read.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM settlement.outbox WHERE message_type = @t", new { t = ContestSettled.MessageType }));
        Assert.Empty(await LedgerCheckStore.BookAsync(read));
    }

    private static T Body<T>(byte[] payload) => JsonSerializer.Deserialize<T>(payload, OutgoingMessage.Json)!;

    private static string Hash(IEnumerable<byte[]> payloads)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in payloads) sha.AppendData(p);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task<T> ScalarAsync<T>(WorkerDatabase db, string sql)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql))!;
    }

    private Task<WorkerDatabase> DatabaseAsync() =>
        fixture.WorkerDatabaseAsync(SettlementWorker.Name, SettlementWorker.Definition.AllMigrations);
}

using ContestPipeline.Local.Demo;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Contests;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Standings;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;
using ContestPipeline.Operations.Queries.Ledger;

namespace ContestPipeline.Tests.Settlement;

/// <summary>
/// Settlement books an accepted entry only for a contest it has OPEN and only at the contest's
/// fee. A late or forged one (signed as Ingestion, so it passes the signature check) is
/// dead-lettered with a critical alert and changes nothing: a settlement in progress still
/// finishes, a settled contest's accounts stay closed, a cancelled contest refunds only its own
/// entries, and nothing is refunded by itself. Through the real Settlement worker.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class LateEntryTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_late_or_mispriced_entry_is_refused_and_settlement_still_finishes_with_its_accounts_closed()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        Schedule(run, "late");
        Accept(run, "late", "e-ada", "ada", Fee);
        Accept(run, "late", "e-bo", "bo", Fee);
        Accept(run, "late", "e-big", "cy", 50 * Fee);   // not the contest's fee: would inflate the pool
        await DeadLettersAsync(run, 1);
        run.World.Publish(Topics.ContestLifecycle, "late", ContestCompleted.MessageType,
            ContestCompleted.MessageIdFor("late"),
            new ContestCompleted("late", 2, 1, "standings-hash", "inputs-hash", At));
        await run.WaitForSettlementStateAsync("late", "COMPLETE");

        // Mid-settlement (COMPLETE, the standings not yet here): an entry now would keep the fee account open for ever.
        Accept(run, "late", "e-di", "di", Fee);
        await DeadLettersAsync(run, 2);
        run.World.Publish(Topics.Standings, "late", FinalStandingsPublished.MessageType,
            FinalStandingsPublished.MessageIdFor("late", 0),
            new FinalStandingsPublished("late", 0, 1,
                [new StandingRow(1, "e-ada", "ada", 9_000), new StandingRow(2, "e-bo", "bo", 1_000)]));
        await run.WaitForSettlementStateAsync("late", "SETTLED");

        // After SETTLED: the contest's accounts stay closed.
        Accept(run, "late", "e-ed", "ed", Fee);
        var refused = await DeadLettersAsync(run, 3);
        Assert.Contains("amount 500.00 USD is not contest late's fee 10.00 USD",
            refused[0].Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("contest late is COMPLETE in Settlement and takes no entries",
            refused[1].Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("contest late is SETTLED in Settlement and takes no entries",
            refused[2].Headers[MessageHeaders.DeadLetterReason]);
        await CriticalAlertsAsync(run, ["e-big", "e-di", "e-ed"]);

        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(["e-ada", "e-bo"],
            await conn.QueryAsync<string>("SELECT entry_id FROM settlement.entries ORDER BY entry_id COLLATE \"C\""));
        Assert.Empty(await LedgerCheckStore.ContestAsync(conn, "late"));
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
        Assert.Equal(2 * Fee, await conn.ExecuteScalarAsync<long>(
            "SELECT sum(amount_minor) FROM settlement.postings WHERE account = 'platform:stripe_balance'"));
        Assert.DoesNotContain(run.World.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
    }

    [Fact]
    public async Task An_entry_for_a_cancelled_contest_is_refused_and_only_the_contests_own_entries_are_refunded()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        Schedule(run, "thin");
        Accept(run, "thin", "e-ada", "ada", Fee);
        run.World.Publish(Topics.ContestLifecycle, "thin", ContestStateChanged.MessageType,
            ContestStateChanged.MessageIdFor("thin", ContestState.Cancelled),
            new ContestStateChanged("thin", "SCHEDULED", "CANCELLED", "too few entries", At));
        await run.WaitForSettlementStateAsync("thin", "CANCELLED");
        Accept(run, "thin", "e-bo", "bo", Fee);
        Accept(run, "ghost", "e-cy", "cy", Fee);   // a contest Settlement never saw

        // Two contests are two partitions: their dead letters come in either order.
        var refused =
            (await DeadLettersAsync(run, 2)).ToDictionary(d => d.Key, d => d.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("contest thin is CANCELLED in Settlement and takes no entries", refused["thin"]);
        Assert.Contains("contest ghost was never scheduled in Settlement", refused["ghost"]);
        await CriticalAlertsAsync(run, ["e-bo", "e-cy"]);
        await Eventually.UntilAsync(() => run.World.Read(Topics.PayoutsDue)
            .Count(m => m.Type == RefundOrdered.MessageType), n => n >= 1, "the refund order");
        Assert.Equal(["pi_ada"], run.World.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(["e-ada"], await conn.QueryAsync<string>("SELECT entry_id FROM settlement.entries"));
    }

    [Fact]
    public async Task The_same_entry_again_is_booked_once_and_one_with_other_facts_is_refused()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        Schedule(run, "twice");
        Accept(run, "twice", "e-ada", "ada", Fee);
        Accept(run, "twice", "e-ada", "ada", Fee, messageId: "again");
        Accept(run, "twice", "e-ada", "mallory", Fee, messageId: "other");
        var refused = await DeadLettersAsync(run, 1);
        Assert.Contains("entry e-ada is already recorded with other facts",
            refused[0].Headers[MessageHeaders.DeadLetterReason]);
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(Fee, await conn.ExecuteScalarAsync<long>(
            "SELECT sum(amount_minor) FROM settlement.postings WHERE account = 'platform:stripe_balance'"));
    }

    [Fact]
    public async Task A_second_entry_on_a_booked_payment_is_refused_and_the_same_entry_again_changes_nothing()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "settlement");
        Schedule(run, "paid");
        Schedule(run, "other");
        Accept(run, "paid", "e-ada", "ada", Fee);
        Accept(run, "paid", "e-ada", "ada", Fee, messageId: "again");       // a redelivery: a no-op
        Accept(run, "paid", "e-ada2", "ada", Fee);                           // the same payment, another entry
        await DeadLettersAsync(run, 1);                                      // e-ada is booked: the partitions may race
        Accept(run, "other", "e-ada3", "ada", Fee);                          // ... and in another contest
        var refused =
            (await DeadLettersAsync(run, 2)).ToDictionary(d => d.Key, d => d.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("payment pi_ada already paid for entry e-ada (contest paid, player ada), not for entry e-ada2",
            refused["paid"]);
        Assert.Contains("payment pi_ada already paid for entry e-ada (contest paid, player ada), not for entry e-ada3",
            refused["other"]);
        await CriticalAlertsAsync(run, ["e-ada2", "e-ada3"]);
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Equal(["e-ada"], await conn.QueryAsync<string>("SELECT entry_id FROM settlement.entries"));
        Assert.Equal(Fee, await conn.ExecuteScalarAsync<long>(
            "SELECT sum(amount_minor) FROM settlement.postings WHERE account = 'platform:stripe_balance'"));
        Assert.Single(run.World.Read(Topics.DeadLetter(Topics.ContestLifecycle)), d => d.Key == "paid");
    }

    private static void Schedule(ContestRun run, string contestId) =>
        run.World.Publish(Topics.ContestLifecycle, contestId, ContestScheduled.MessageType,
            ContestScheduled.MessageIdFor(contestId),
            new ContestScheduled(OutsideWorld.Sealed(
                Fantasy(contestId, At, ["g1"]) with { PrizeTable = new PrizeTable(PrizeTableKinds.WinnerTakesAll) })));

    /// <summary>An entry on the contest's timeline, signed as Ingestion signs it.</summary>
    private static void Accept(ContestRun run, string contestId, string entryId, string player, long amountMinor,
        string? messageId = null) =>
        run.World.Publish(Topics.ContestLifecycle, contestId, EntryAccepted.MessageType,
            messageId ?? EntryAccepted.MessageIdFor(entryId),
            new EntryAccepted(entryId, contestId, player, "pi_" + player, amountMinor, "USD", ["qb1", "rb1"], At));

    private static Task<List<ContestPipeline.Local.Demo.OutsideWorld.Published>> DeadLettersAsync(ContestRun run,
        int count) =>
        Eventually.UntilAsync(() => run.World.Read(Topics.DeadLetter(Topics.ContestLifecycle)), d => d.Count >= count,
            $"{count} entries dead-lettered from {Topics.ContestLifecycle}");

    private static async Task CriticalAlertsAsync(ContestRun run, string[] entryIds)
    {
        var alerts = await Eventually.UntilAsync(() => run.World.Read(Topics.Alerts)
            .Where(a => a.Body.GetProperty("severity").GetString() == AlertSeverities.Critical).ToList(), a =>
                a.Count >= entryIds.Length, "the critical alerts");
        foreach (var id in entryIds)
            Assert.Contains(alerts, a => a.Body.GetProperty("message")
                .GetString()!.Contains($"entry {id} of player", StringComparison.Ordinal));
    }
}

using ContestPipeline.Contracts;
using ContestPipeline.Operations.Queries.Ledger;
using AccountBalance = ContestPipeline.Operations.Queries.Ledger.AccountBalance;
using ContestPipeline.Rules.Ledger;
using Dapper;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion;
using ContestPipeline.Local.Processes;
using ContestPipeline.Settlement;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Settlement checks the ledger's Stripe balance against Stripe's, through the real workers, the
/// local broker and the Stripe-compatible server: money in flight is not a drift, a difference
/// that stays while nothing moves is, and money gone from Stripe that the ledger still counts
/// on is critical.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class StripeBalanceDriftTests(PipelineFixture fixture)
{
    private const long DisputeFee = ContestPipeline.StripeEmulation.StripeEmulator.DisputeFeeMinor;

    [Fact]
    public async Task
        A_drift_that_stays_alerts_an_unbooked_payment_warns_an_unbooked_dispute_is_critical_and_a_booked_one_agrees()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        // Stripe's events reach stripe.events, for Payout to read the dispute when it starts.
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        run.StartWorker("ingestion",
            env: new Dictionary<string, string?> { [IngestionOptions.Settings.PaymentEventWaitMs] = "200" });
        run.StartWorker("settlement",
            env: new Dictionary<string, string?> { [SettlementOptions.Settings.BalanceCheckIntervalMs] = "700" });
        var world = run.World;
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 60);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy");
        run.Define(Fitness("steps", lockAt, "walk"));

        var ivy = await APaymentNotBookedWarnsUntilItIsAnEntryAsync(world);
        var dispute = await ADisputeNobodyBooksIsCriticalOnceAsync(run, ivy);
        var withdrawal = await PayoutReadsTheDisputeAndItIsBookedAsync(run, dispute, ivy);
        var books = await TheLostDisputeIsBookedOnceAsync(run, dispute);

        // The same transactions again under another message id (a Payout restored from a backup) book nothing more;
        // transactions that could not be a dispute's (a withdrawal that gives a fee back) are a dead letter saying so.
        var booked = withdrawal[0].Id[$"dispute-funds:{dispute}:".Length..];
        world.Publish(Topics.PayoutsStatus, dispute, DisputeFundsMoved.MessageType, $"dispute:{dispute}:again",
            new DisputeFundsMoved(dispute, ivy, "USD", "lost", [new DisputeFundsTransaction(booked, -Fee, DisputeFee)],
                DateTimeOffset.UtcNow));
        world.Publish(Topics.PayoutsStatus, dispute, DisputeFundsMoved.MessageType, $"dispute:{dispute}:forged",
            new DisputeFundsMoved(dispute, ivy, "USD", "lost",
                [new DisputeFundsTransaction("txn_forged", -Fee, -DisputeFee)], DateTimeOffset.UtcNow));
        var dead = await Eventually.UntilAsync(() => world.Read(Topics.DeadLetter(Topics.PayoutsStatus)),
            d => d.Count > 0, "the forged dispute dead-lettered");
        Assert.Contains($"DisputeFundsMoved of dispute {dispute}: transaction txn_forged: "
            + $"a withdrawal that gives a fee back (feeMinor {-DisputeFee})",
            Assert.Single(dead).Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal);
        Assert.Equal(books, await BalancesAsync(run));
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
    }

    /// <summary>ivy's payment, a drift while it is not booked, then her entry; the payment.</summary>
    private static async Task<string> APaymentNotBookedWarnsUntilItIsAnEntryAsync(Local.Demo.OutsideWorld world)
    {
        // Paid and not submitted yet: Stripe holds the fee, the ledger nothing. Two checks see it stay: a warning.
        var ivy = world.Pay("steps", "ivy", Fee);
        var more = await Eventually.UntilAsync(() => Drifts(world), d => d.Count > 0,
            "the drift of a payment not booked");
        var warning = Assert.Single(more);
        Assert.Equal(AlertSeverities.Warning, warning.Severity);
        Assert.Equal("Stripe balance USD", warning.Subject);
        Assert.Contains($"Stripe holds {Fee} USD more than the ledger books", warning.Message,
            StringComparison.Ordinal);

        // The payment becomes an entry and the ledger books its fee: they agree, and nothing more is said.
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Any(m => m.Type == EntryAccepted.MessageType), "ivy's entry accepted");
        return ivy;
    }

    /// <summary>ivy's dispute, and the critical drift it makes while nothing books it (said once); the
    /// dispute.</summary>
    private static async Task<string> ADisputeNobodyBooksIsCriticalOnceAsync(ContestRun run, string ivy)
    {
        var world = run.World;
        // The player disputes the charge: Stripe withdraws the fee and its dispute fee. Nothing books it while Payout,
        // which reads disputes, is not running: the ledger counts on money Stripe no longer holds, critical.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(Drifts(world));
        var dispute = run.Stripe.CreateDispute(ivy);
        var drifts = await Eventually.UntilAsync(() => Drifts(world), d => d.Count > 1,
            "the drift of a dispute's withdrawal");
        Assert.Equal(2, drifts.Count);
        var critical = drifts[1];
        Assert.Equal(AlertSeverities.Critical, critical.Severity);
        Assert.Contains($"Stripe holds {Fee + DisputeFee} USD less than the ledger books: " +
            $"the ledger's Stripe balance is {Fee} USD " +
            $"(1 postings), Stripe's {-DisputeFee}", critical.Message, StringComparison.Ordinal);

        // It stays as it is: said once, however many checks find it again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, Drifts(world).Count);
        return dispute;
    }

    /// <summary>The dispute's withdrawal, booked once Payout reads it.</summary>
    private static async Task<List<(string Id, string Description)>> PayoutReadsTheDisputeAndItIsBookedAsync(
        ContestRun run, string dispute, string ivy)
    {
        // Payout reads the dispute as Stripe lists it and Settlement books its balance transaction: the withdrawal as
        // disputed funds, the dispute fee as an expense. The ledger's Stripe balance is Stripe's again.
        run.StartWorker("payout");
        var withdrawal = await Eventually.UntilAsync(() => JournalAsync(run, "dispute_withdrawal"), j => j.Count == 1,
            "the dispute's withdrawal booked");
        Assert.Equal($"dispute {dispute} of payment {ivy} withdrew {new Money(Fee, Currency.Usd)}, fee " +
            $"{new Money(DisputeFee, Currency.Usd)} (balance transaction " +
            $"{withdrawal[0].Id[$"dispute-funds:{dispute}:".Length..]})",
            withdrawal[0].Description);
        var books = await BalancesAsync(run);
        Assert.Equal(-DisputeFee, books[Accounts.StripeBalance]);
        Assert.Equal(Fee, books[Accounts.DisputedFunds]);
        Assert.Equal(DisputeFee, books[Accounts.DisputeFees]);
        var (problems, open) = await DisputesCheckAsync(run);
        Assert.Empty(problems);
        Assert.Equal([new AccountBalance(dispute, "USD", Fee)], open);
        return withdrawal;
    }

    /// <summary>Lost: what it withdrew is lost, once, and the books still agree with Stripe; the books.</summary>
    private static async Task<Dictionary<string, long>> TheLostDisputeIsBookedOnceAsync(ContestRun run,
        string dispute)
    {
        var world = run.World;
        // Lost: what it withdrew is lost, once, and the books still agree with Stripe (no third drift).
        run.Stripe.CloseDispute(dispute, won: false);
        var lost = await Eventually.UntilAsync(() => JournalAsync(run, "dispute_lost"), j => j.Count == 1,
            "the dispute's loss booked");
        Assert.Equal($"dispute-lost:{dispute}", lost[0].Id);
        var books = await BalancesAsync(run);
        Assert.Equal(0, books[Accounts.DisputedFunds]);
        Assert.Equal(Fee, books[Accounts.DisputeLosses]);
        Assert.Equal(-DisputeFee, books[Accounts.StripeBalance]);
        Assert.Equal(-DisputeFee, run.Stripe.PlatformBalance("usd").Available);
        var (problems, open) = await DisputesCheckAsync(run);
        Assert.Empty(problems);
        Assert.Empty(open);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, Drifts(world).Count);
        Assert.Single(await JournalAsync(run, "dispute_withdrawal"));
        return books;
    }

    private static async Task<(List<string>, List<AccountBalance>)> DisputesCheckAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        var (problems, open) = await LedgerCheckStore.DisputesAsync(conn);
        return ([.. problems], [.. open]);
    }

    private static async Task<List<(string Id, string Description)>> JournalAsync(ContestRun run, string kind)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(string, string)>(
            "SELECT journal_id, description FROM settlement.journal WHERE kind = @kind ORDER BY journal_id",
            new { kind })];
    }

    private static async Task<Dictionary<string, long>> BalancesAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<(string Account, long Balance)>(
            "SELECT account, sum(amount_minor)::bigint FROM settlement.postings GROUP BY account"))
            .ToDictionary(b => b.Account, b => b.Balance);
    }

    private sealed record Drift(string Severity, string Subject, string Message);

    private static List<Drift> Drifts(Local.Demo.OutsideWorld world) => [.. world.Read(Topics.Alerts)
        .Where(m => m.Body.GetProperty("code").GetString() == "stripe_balance_drift")
        .Select(m => new Drift(m.Body.GetProperty("severity").GetString()!, m.Body.GetProperty("subject").GetString()!,
            m.Body.GetProperty("message").GetString()!))];
}

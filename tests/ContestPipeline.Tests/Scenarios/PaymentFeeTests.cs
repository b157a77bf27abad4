using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion;
using ContestPipeline.Local.Processes;
using ContestPipeline.Operations.Queries.Ledger;
using ContestPipeline.Operations.Queries.Revenue;
using ContestPipeline.Rules.Ledger;
using ContestPipeline.Settlement;
using ContestPipeline.Settlement.Ledger;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using Dapper;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// Stripe pays each card payment into the platform's balance less its processing fee. Through the real workers, the
/// local broker and the Stripe-compatible server taking Stripe's standard fee: Payout's reads of the payments find
/// each fee, Settlement books it once, and the ledger's Stripe balance ends where Stripe's is.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class PaymentFeeTests(PipelineFixture fixture)
{
    private static readonly long FeeTaken = ProcessingFee.StripeStandard.Of(Fee);

    [Fact]
    public async Task Each_payment_s_fee_is_booked_once_from_payout_s_read_and_the_ledger_agrees_with_stripe()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture, paymentFee: ProcessingFee.StripeStandard);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        run.StartWorker("ingestion",
            env: new Dictionary<string, string?> { [IngestionOptions.Settings.PaymentEventWaitMs] = "200" });
        run.StartWorker("settlement",
            env: new Dictionary<string, string?> { [SettlementOptions.Settings.BalanceCheckIntervalMs] = "700" });
        run.StartWorker("payout");
        var world = run.World;
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 60);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "joe");
        run.Define(Fitness("steps", lockAt, "walk"));
        var ivy = world.Pay("steps", "ivy", Fee);
        var joe = world.Pay("steps", "joe", Fee);
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });
        world.Submit(Entry("s-joe", "steps", "joe", joe) with { SubmittedAt = DateTimeOffset.UtcNow });

        // Both fees booked, each from its charge's balance transaction, labelled with the contest.
        var fees = await Eventually.UntilAsync(() => FeesAsync(run), f => f.Count == 2, "both payments' fees booked");
        Assert.All(fees, f => Assert.Equal("steps", f.ContestId));
        Assert.Equal(new[] { ivy, joe }.Order(StringComparer.Ordinal),
            fees.Select(PaymentOf).Order(StringComparer.Ordinal));
        Assert.All(fees, f => Assert.StartsWith($"Stripe's fee of {new Money(FeeTaken, Currency.Usd)} on payment",
            f.Description, StringComparison.Ordinal));
        await Eventually.UntilAsync(() => world.Read(Topics.ContestLifecycle)
            .Count(m => m.Type == EntryAccepted.MessageType), n => n == 2, "both entries accepted");
        var books = await Eventually.UntilAsync(() => BalancesAsync(run),
            b => b.GetValueOrDefault(Accounts.StripeBalance) == 2 * (Fee - FeeTaken), "the entries and fees booked");
        Assert.Equal(2 * FeeTaken, books[Accounts.PaymentFees]);
        var stripe = run.Stripe.PlatformBalance("usd");
        Assert.Equal(2 * (Fee - FeeTaken), stripe.Available + stripe.Pending);

        // Settlement's check agrees with Stripe: its latest reading shows no drift.
        await Eventually.UntilAsync(() => LastDriftAsync(run), d => d == 0, "a balance check with no drift");
        // The revenue report counts them as the contest's cost.
        await using (var reader = await run.Iso.DataSource.OpenConnectionAsync())
        {
            var line = Assert.Single(RevenueReport.Lines(
                await RevenueStore.PostingsAsync(reader, RevenueGrouping.Contest, null, null)));
            Assert.Equal(("steps", 2 * FeeTaken), (line.GroupKey, line.ProcessingFeesMinor));
        }

        // The same fee again under another message id (a Payout restored from a backup) books nothing more; a fee
        // that could not be one is a dead letter saying so, and nothing of its message is booked.
        var (txn, paidBy) = (fees[0].Id[PaymentFeesChargedHandler.IdFor("").Length..], PaymentOf(fees[0]));
        world.Publish(Topics.PayoutsStatus, PaymentFeesCharged.Key, PaymentFeesCharged.MessageType, "fees:again",
            new PaymentFeesCharged([new PaymentFee(paidBy, txn, "steps", FeeTaken, "USD")], DateTimeOffset.UtcNow));
        world.Publish(Topics.PayoutsStatus, PaymentFeesCharged.Key, PaymentFeesCharged.MessageType, "fees:forged",
            new PaymentFeesCharged([new PaymentFee(joe, "txn_new", "steps", 5, "USD"),
                new PaymentFee(joe, "txn_forged", "steps", 0, "USD")], DateTimeOffset.UtcNow));
        var dead = await Eventually.UntilAsync(() => world.Read(Topics.DeadLetter(Topics.PayoutsStatus)),
            d => d.Count > 0, "the forged fees dead-lettered");
        Assert.Contains($"PaymentFeesCharged of 2 fees: the fee of payment {joe}: feeMinor 0 is no fee",
            Assert.Single(dead).Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal);
        Assert.Equal(books, await BalancesAsync(run));
        Assert.Equal(2, (await FeesAsync(run)).Count);
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        Assert.Empty(await LedgerCheckStore.BookAsync(conn));
    }

    /// <summary>The payment a fee's journal entry names.</summary>
    private static string PaymentOf((string Id, string? ContestId, string Description) fee) =>
        fee.Description.Split(" on payment ")[1].Split(' ')[0];

    private static async Task<List<(string Id, string? ContestId, string Description)>> FeesAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<(string, string?, string)>(
            "SELECT journal_id, contest_id, description FROM settlement.journal WHERE kind = 'payment_fee' " +
            "ORDER BY journal_id")];
    }

    private static async Task<long?> LastDriftAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<long?>(
            "SELECT drift_minor FROM settlement.stripe_balance_checks WHERE currency = 'USD' " +
            "ORDER BY checked_at DESC LIMIT 1");
    }

    private static async Task<Dictionary<string, long>> BalancesAsync(ContestRun run)
    {
        await using var conn = await run.Iso.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<(string Account, long Balance)>(
            "SELECT account, sum(amount_minor)::bigint FROM settlement.postings GROUP BY account"))
            .ToDictionary(b => b.Account, b => b.Balance);
    }
}

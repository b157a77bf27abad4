using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Ingestion;
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
    [Fact]
    public async Task A_drift_that_stays_while_nothing_moves_alerts_a_payment_not_yet_booked_warns_and_a_dispute_is_critical()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        run.StartWorker("ingestion", env: new Dictionary<string, string?> { [IngestionOptions.Settings.PaymentEventWaitMs] = "200" });
        run.StartWorker("settlement", env: new Dictionary<string, string?> { [SettlementOptions.Settings.BalanceCheckIntervalMs] = "700" });
        var world = run.World;
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 60);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy");
        run.Define(Fitness("steps", lockAt, "walk"));

        // Paid and not submitted yet: Stripe holds the fee, the ledger nothing. Two checks see it stay: a warning.
        var ivy = world.Pay("steps", "ivy", Fee);
        var more = await Eventually.UntilAsync(() => Drifts(world), d => d.Count > 0, "the drift of a payment not booked");
        var warning = Assert.Single(more);
        Assert.Equal(AlertSeverities.Warning, warning.Severity);
        Assert.Equal("Stripe balance USD", warning.Subject);
        Assert.Contains($"Stripe holds {Fee} USD more than the ledger books", warning.Message, StringComparison.Ordinal);

        // The payment becomes an entry and the ledger books its fee: they agree, and nothing more is said.
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(() => world.Read(Topics.ContestLifecycle).Any(m => m.Type == EntryAccepted.MessageType), "ivy's entry accepted");

        // The player disputes the charge: Stripe withdraws the fee, which the ledger still counts on.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(Drifts(world));
        run.Stripe.CreateDispute(ivy);
        var drifts = await Eventually.UntilAsync(() => Drifts(world), d => d.Count > 1, "the drift of a dispute's withdrawal");
        Assert.Equal(2, drifts.Count);
        var critical = drifts[1];
        Assert.Equal(AlertSeverities.Critical, critical.Severity);
        Assert.Contains($"Stripe holds {Fee} USD less than the ledger books: the ledger's Stripe balance is {Fee} USD (1 postings), Stripe's 0",
            critical.Message, StringComparison.Ordinal);

        // It stays as it is: said once, however many checks find it again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, Drifts(world).Count);
    }

    private sealed record Drift(string Severity, string Subject, string Message);

    private static List<Drift> Drifts(Local.Demo.OutsideWorld world) => [.. world.Read(Topics.Alerts)
        .Where(m => m.Body.GetProperty("code").GetString() == "stripe_balance_drift")
        .Select(m => new Drift(m.Body.GetProperty("severity").GetString()!, m.Body.GetProperty("subject").GetString()!, m.Body.GetProperty("message").GetString()!))];
}

using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Alerts;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The reconciliation of payments against entries, through the real ingestion worker, the
/// webhook receiver, the local broker and the Stripe-compatible server: a player who paid and
/// never submitted gets the money back once the contest can no longer take the entry, exactly
/// once; a payment that became an entry never does; a disputed one is left for an operator.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PaymentReconciliationTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_payment_that_never_became_an_entry_is_refunded_once_after_its_contest_closes_and_the_grace()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        run.StartWorker("ingestion", env: new Dictionary<string, string?>
        {
            [IngestionOptions.Settings.LockSkewMs] = "1000",
            [IngestionOptions.Settings.ReconcileIntervalMs] = "500",
            [IngestionOptions.Settings.ReconcileGraceMs] = ((long)Grace.TotalMilliseconds)
                .ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var world = run.World;
        // Room before the lock for the payments, their events, the entry and a grace period.
        var lockAt = await run.LockTimeAsync(messagesBeforeLock: 40);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon", "kai", "mia");
        run.Define(Fitness("steps", lockAt, "walk"));

        var ivy = world.Pay("steps", "ivy", Fee);   // enters
        var jon = world.Pay("steps", "jon", Fee);   // pays, never submits
        var kai = world.Pay("ghost", "kai", Fee);   // pays for a contest that was never defined
        var mia = world.Pay("steps", "mia", Fee);   // pays, never submits, and disputes the charge
        run.Stripe.CreateDispute(mia);
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Any(m => m.Type == EntryAccepted.MessageType), "ivy's entry accepted");

        // Past the grace while steps is still open: only the payment for a contest that does not exist goes back.
        var ghost = await Eventually.UntilAsync(() => Refunds(world), r => r.Count > 0,
            "the refund of the payment for an undefined contest");
        Assert.Equal([kai], ghost.Select(r => r.Pi));
        Assert.True(DateTimeOffset.UtcNow < lockAt,
            "the test reached the point before lock it needed; the machine was too slow");
        Assert.Contains("never became an entry", ghost[0].Reason, StringComparison.Ordinal);

        // Entries close at lock: jon's payment goes back, once; ivy's entry stays; mia's dispute is left for an
        // operator.
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Any(m => m.Type == EntriesClosed.MessageType), "entries closed");
        var refunds = await Eventually.UntilAsync(() => Refunds(world), r => r.Count >= 2, "jon's refund");
        var alert = await Eventually.UntilAsync(() => world.Read(Topics.Alerts)
            .FirstOrDefault(m => m.Body.GetProperty("code").GetString() == "payment_not_entered_left_for_operator"),
            m => m is not null, "the alert for the disputed payment");
        Assert.Equal(mia, alert!.Body.GetProperty("subject").GetString());
        Assert.Equal(AlertSeverities.Warning, alert.Body.GetProperty("severity").GetString());

        // Several more rounds of the job change nothing.
        await Task.Delay(Grace);
        refunds = Refunds(world);
        Assert.Equal(new[] { jon, kai }.Order(StringComparer.Ordinal),
            refunds.Select(r => r.Pi).Order(StringComparer.Ordinal));
        var jonRefund = Assert.Single(refunds, r => r.Pi == jon);
        Assert.Equal(("steps", "jon", Fee, "USD", RefundOrdered.RefundIdFor(jon)),
            (jonRefund.Contest, jonRefund.Player, jonRefund.Amount, jonRefund.Currency, jonRefund.RefundId));
        Assert.Single(world.Read(Topics.Alerts),
            m => m.Body.GetProperty("code").GetString() == "payment_not_entered_left_for_operator");
    }

    private sealed record Refund(string Pi, string Contest, string Player, long Amount, string Currency,
        string RefundId, string Reason);

    private static List<Refund> Refunds(Local.Demo.OutsideWorld world) =>
        [.. world.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType).Select(m => new Refund(
        m.Body.GetProperty("paymentIntentId").GetString()!, m.Body.GetProperty("contestId").GetString()!,
        m.Body.GetProperty("playerId").GetString()!,
        m.Body.GetProperty("amountMinor").GetInt64(), m.Body.GetProperty("currency").GetString()!,
        m.Body.GetProperty("refundId").GetString()!,
        m.Body.GetProperty("reason").GetString()!))];
}

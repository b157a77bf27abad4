using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Tests.Stripe;
using ContestPipeline.Payout;
using ContestPipeline.Payout.Reconciliation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Money that left the platform's Stripe account outside the pipeline: a transfer made with the platform's key and
/// no payout id in its metadata. Payout's reconciliation lists Stripe's transfers and raises it once, naming it.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class ReconcileStripeTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_transfer_made_outside_the_pipeline_is_alerted_once_naming_it()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReconcileIntervalMs] = "300",
        });
        await h.World.SignUpForPayoutsAsync("mallory");
        await h.WaitForRecipientAsync("mallory");
        var account = await h.ScalarAsync<string>(
            "SELECT account_id FROM payout.recipients WHERE player_id = 'mallory'");

        var client = new global::Stripe.StripeClient(new global::Stripe.StripeClientOptions
        {
            ApiKey = h.Stripe.ApiKey, ApiBase = h.Stripe.BaseUrl.ToString().TrimEnd('/'),
        });
        var transfer = await client.V1.Transfers.CreateAsync(new global::Stripe.TransferCreateOptions
        {
            Amount = 777, Currency = "usd", Destination = account,
        });

        await h.WaitForAlertAsync(ReconcileStripeJob.UnexplainedTransfer, "critical");
        var alerts = UnexplainedAlerts(h);
        Assert.Single(alerts);
        var message = alerts[0].GetProperty("message").GetString()!;
        Assert.Contains(transfer.Id, message);
        Assert.Contains("777 usd", message);
        Assert.Contains(account, message);

        // Later passes list it again (the cursor's overlap) and do not raise it again.
        var passedAt = await h.ScalarAsync<DateTime>(
            "SELECT passed_at FROM payout.stripe_reconciliation_cursors WHERE resource = 'transfers'");
        await h.WaitForAsync("two more passes over Stripe's transfers",
            "SELECT passed_at > @later FROM payout.stripe_reconciliation_cursors WHERE resource = 'transfers'",
            new { later = passedAt.AddSeconds(1) });
        await h.Run.ReadToEndAsync();
        Assert.Single(UnexplainedAlerts(h));
    }

    [Fact]
    public async Task A_dispute_whose_webhook_never_came_is_read_and_booked_as_it_would_have_been_and_told_once()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReconcileIntervalMs] = "300",
            [PayoutOptions.Settings.ReconcileEventGraceMs] = "0",
        });
        var payment = h.World.Pay("lost-2", "quinn", 1_000);
        await h.WaitForAsync($"{payment} known as quinn's",
            "SELECT EXISTS (SELECT 1 FROM payout.payments WHERE payment_intent_id = @payment AND player_id = 'quinn')",
            new { payment });
        // The dispute's webhooks are held and never sent: only Stripe's own list shows it.
        h.Stripe.HoldWebhooks();
        var dispute = h.Stripe.CreateDispute(payment);

        await h.WaitForAsync($"dispute {dispute} booked without its event",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE freeze_id = @dispute AND payment_intent_id = @payment)",
            new { dispute, payment }, 60);
        await h.WaitForAlertAsync(ReconcileStripeJob.MissedDispute, "warning");
        Assert.Equal(0, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.stripe_events WHERE object_id = @dispute", new { dispute }));

        // Later passes list it again and neither book nor tell it twice.
        var passedAt = await h.ScalarAsync<DateTime>(
            "SELECT passed_at FROM payout.stripe_reconciliation_cursors WHERE resource = 'disputes'");
        await h.WaitForAsync("two more passes over Stripe's disputes",
            "SELECT passed_at > @later FROM payout.stripe_reconciliation_cursors WHERE resource = 'disputes'",
            new { later = passedAt.AddSeconds(1) });
        await h.Run.ReadToEndAsync();
        Assert.Single(h.World.Read(Topics.Alerts),
            m => m.Body.GetProperty("code").GetString() == ReconcileStripeJob.MissedDispute);
        Assert.Equal(1, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.freezes WHERE freeze_id = @dispute", new { dispute }));
    }

    [Fact]
    public async Task A_refund_made_outside_the_pipeline_is_alerted_once_and_booked_when_its_webhook_never_came()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, new Dictionary<string, string?>
        {
            [PayoutOptions.Settings.ReconcileIntervalMs] = "300",
            [PayoutOptions.Settings.ReconcileEventGraceMs] = "0",
        });
        // The pipeline's own refund of a fee that made no entry: made, and never alerted.
        var ours = h.World.Pay("ref-1", "rita", 1_000);
        var refund = new RefundOrdered(RefundOrdered.RefundIdFor(ours), "ref-1", "rita", ours, 1_000, "USD",
            "rejected");
        h.World.PublishAs(Producers.Ingestion, Topics.PayoutsDue, "ref-1", RefundOrdered.MessageType, refund.RefundId,
            refund);
        h.World.PublishAs(Producers.Ingestion, Topics.ContestLifecycle, "ref-1", EntryRejected.MessageType,
            EntryRejected.MessageIdFor("s-rita"), new EntryRejected("s-rita", "ref-1", "rita", ours, "rejected",
                refund.RefundId));
        await h.WaitForAsync("rita's fee refunded by the pipeline", "SELECT EXISTS (SELECT 1 FROM payout.refunds " +
            "WHERE payment_intent_id = @ours AND state = 'refunded')", new { ours }, seconds: 60);
        // Another entry fee refunded with the platform's key, its webhooks held and never sent.
        var payment = h.World.Pay("ref-1", "sam", 1_000);
        await h.WaitForAsync($"{payment} known as sam's",
            "SELECT EXISTS (SELECT 1 FROM payout.payments WHERE payment_intent_id = @payment AND player_id = 'sam')",
            new { payment });
        h.Stripe.HoldWebhooks();
        await h.World.StripeClient.CreateRefundAsync(new RefundCreate(payment, 1_000), "outside-refund-sam");

        await h.WaitForAlertAsync(ReconcileStripeJob.UnexplainedRefund, "critical");
        await h.WaitForAsync($"the refund of {payment} booked without its event",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE payment_intent_id = @payment)", new { payment }, 60);
        var outside = Assert.Single(h.Stripe.Ledger().Refunds, r => r.PaymentIntent == payment);
        var message = Assert.Single(Alerts(h, ReconcileStripeJob.UnexplainedRefund))
            .GetProperty("message").GetString()!;
        Assert.Contains($"refund {outside.Id} of 1000 usd on payment {payment}", message, StringComparison.Ordinal);
        Assert.Contains("names no refund of this pipeline", message, StringComparison.Ordinal);
        Assert.Contains("no event about it reached Payout", message, StringComparison.Ordinal);

        // Later passes list both again and tell nothing twice.
        var passedAt = await h.ScalarAsync<DateTime>(
            "SELECT passed_at FROM payout.stripe_reconciliation_cursors WHERE resource = 'refunds'");
        await h.WaitForAsync("two more passes over Stripe's refunds",
            "SELECT passed_at > @later FROM payout.stripe_reconciliation_cursors WHERE resource = 'refunds'",
            new { later = passedAt.AddSeconds(1) });
        await h.Run.ReadToEndAsync();
        Assert.Single(Alerts(h, ReconcileStripeJob.UnexplainedRefund));
        Assert.Equal(1, await h.ScalarAsync<long>(
            "SELECT count(*) FROM payout.freezes WHERE payment_intent_id = @payment", new { payment }));
    }

    private static List<System.Text.Json.JsonElement> Alerts(PayoutHarness h, string code) =>
        [.. h.World.Read(Topics.Alerts).Where(m => m.Body.GetProperty("code").GetString() == code).Select(m => m.Body)];

    private static List<System.Text.Json.JsonElement> UnexplainedAlerts(PayoutHarness h) =>
        [.. h.World.Read(Topics.Alerts).Where(m => m.Body.GetProperty("code").GetString()
            == ReconcileStripeJob.UnexplainedTransfer).Select(m => m.Body)];
}

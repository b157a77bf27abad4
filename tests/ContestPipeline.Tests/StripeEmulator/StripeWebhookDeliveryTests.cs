using System.Text.Json;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using Xunit;
using ContestPipeline.Tests.Infrastructure;

using ContestPipeline.Tests.Stripe;

namespace ContestPipeline.Tests.StripeEmulation;

public sealed class StripeWebhookDeliveryTests : StripeEmulatorTest
{
    private RecordingWebhookEndpoint _receiver = null!;

    protected override StripeEmulatorOptions EmulatorOptions() => new()
    {
        WebhookRetryDelayBase = TimeSpan.FromMilliseconds(20),
        WebhookRetryDelayMax = TimeSpan.FromMilliseconds(100),
        WebhookAttemptsMax = 4,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _receiver = await RecordingWebhookEndpoint.StartAsync(500);
        Stripe.WebhookEndpoint = _receiver.Url;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private StripeSignatureCheck Check(RecordingWebhookEndpoint.Delivery d) =>
        StripeWebhookSignature.Verify(d.Body, d.Signature, [Stripe.WebhookSecret], DateTimeOffset.UtcNow);

    private async Task<global::Stripe.Transfer> TransferAsync(string key, string group = "contest-1", int n = 0)
    {
        return await Client.CreateTransferAsync(
            new TransferCreate(100, "usd", _winner!, group, null, Meta(("n", n.ToString()))), key);
    }

    private string? _winner;

    private async Task FundAsync()
    {
        Stripe.TopUp(100_000, "usd");
        _winner = await ReadyAccountAsync();
        // Onboarding's account.updated was answered 500 once and then accepted.
        await _receiver.TakeAsync(2);
    }

    [Fact]
    public async Task A_webhook_reaches_the_endpoint_signed_and_is_retried_after_a_500()
    {
        var account = await Client.CreateAccountAsync(new AccountCreate("US"), "account:w");
        Stripe.EnablePayouts(account.Id);

        var deliveries = await _receiver.TakeAsync(2);

        Assert.All(deliveries, d => Assert.Equal(StripeSignatureCheck.Valid, Check(d)));
        Assert.Equal(deliveries[0].Body, deliveries[1].Body);
        var e = deliveries[1].Event;
        Assert.Equal(("account.updated", account.Id, account.Id),
            (e.Type, e.Account, ((global::Stripe.Account)e.Data.Object).Id));
        Assert.Equal(StripeSettings.ApiVersion, e.ApiVersion);
        Assert.False(deliveries[1].Json.GetProperty("data").GetProperty("previous_attributes")
            .GetProperty("payouts_enabled").GetBoolean());
        await Eventually.UntilAsync(() => Stripe.WebhookDeliveries().Count == 2,
            "the second attempt's status recorded");
        Assert.Equal([(1, 500), (2, 200)], Stripe.WebhookDeliveries().Select(d => (d.Attempt, d.Status)));
    }

    [Fact]
    public async Task A_transfer_event_carries_the_request_and_its_idempotency_key()
    {
        await FundAsync();

        var transfer = await TransferAsync("payout:po-1");
        var e = (await _receiver.NextAsync()).Event;

        Assert.Equal(("transfer.created", transfer.Id, "payout:po-1"),
            (e.Type, StripeEventReader.ObjectId(e), e.Request?.IdempotencyKey));
        Assert.Null(e.Account);
    }

    [Fact]
    public async Task An_event_is_delivered_twice_on_demand()
    {
        await FundAsync();
        await TransferAsync("payout:po-1");
        var first = await _receiver.NextAsync();

        Stripe.RedeliverEvent(first.Event.Id);
        var second = await _receiver.NextAsync();

        Assert.Equal(first.Event.Id, second.Event.Id);
        Assert.Equal(StripeSignatureCheck.Valid, Check(second));
    }

    [Fact]
    public async Task Held_events_are_released_in_reverse_order()
    {
        await FundAsync();
        Stripe.HoldWebhooks();
        var created = new List<string>();
        for (var i = 0; i < 4; i++) created.Add((await TransferAsync($"payout:po-{i}")).Id);
        Assert.True(await _receiver.StaysQuietAsync(TimeSpan.FromMilliseconds(200)));

        Stripe.ReleaseWebhooks(WebhookOrder.Reversed);
        var delivered = await _receiver.TakeAsync(4);

        Assert.Equal(Enumerable.Reverse(created), delivered.Select(d => StripeEventReader.ObjectId(d.Event)));
    }

    [Fact]
    public async Task A_shuffled_release_is_the_same_for_the_same_seed()
    {
        await FundAsync();
        async Task<List<int>> ReleaseBatchAsync(string group)
        {
            Stripe.HoldWebhooks();
            for (var n = 0; n < 6; n++) await TransferAsync($"{group}:{n}", group, n);
            Stripe.ReleaseWebhooks(WebhookOrder.Shuffled, seed: 42);
            var delivered = await _receiver.TakeAsync(6);
            return delivered.Select(d => int.Parse(((global::Stripe.Transfer)d.Event.Data.Object).Metadata["n"],
                System.Globalization.CultureInfo.InvariantCulture)).ToList();
        }

        var first = await ReleaseBatchAsync("contest-1");
        var second = await ReleaseBatchAsync("contest-2");

        Assert.Equal(first, second);
        Assert.Equal(Enumerable.Range(0, 6), first.Order());
        Assert.NotEqual(Enumerable.Range(0, 6), first);
    }

    [Theory]
    [InlineData(null, "payout.paid")]
    [InlineData("account_closed", "payout.failed")]
    public async Task A_bank_payout_event_names_the_connected_account(string? failureCode, string type)
    {
        await FundAsync();
        await TransferAsync("payout:po-1");
        await _receiver.NextAsync();

        var payoutId = Stripe.CreatePayout(_winner!, 100, "usd", failureCode);
        var e = (await _receiver.NextAsync()).Event;

        var bankPayout = (global::Stripe.Payout)e.Data.Object;
        Assert.Equal((type, _winner, payoutId), (e.Type, e.Account, bankPayout.Id));
        Assert.Equal((failureCode, 100L, "usd"), (bankPayout.FailureCode, bankPayout.Amount, bankPayout.Currency));
        Assert.Equal(failureCode is null ? 0 : 100, Stripe.AccountBalance(_winner!, "usd"));
    }

    [Fact]
    public async Task A_refund_sends_charge_refunded_with_the_refunded_amount()
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd", metadata: Meta(("entry_id", "e-1")));
        await PaymentAnnouncedAsync(intent);

        await Client.CreateRefundAsync(new RefundCreate(intent, 400), "refund:e-1");
        var refunded = await _receiver.NextAsync();

        var charge = (global::Stripe.Charge)refunded.Event.Data.Object;
        Assert.Equal(("charge.refunded", intent, 400L, false),
            (refunded.Event.Type, charge.PaymentIntentId, charge.AmountRefunded, charge.Refunded));
    }

    [Fact]
    public async Task
        A_dispute_opened_and_won_over_the_control_endpoint_sends_both_events_and_gives_back_the_amount_not_the_fee()
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd");
        await PaymentAnnouncedAsync(intent);
        var control = RawHttp();

        using var opened = await control.PostAsync("_emulator/disputes", Json(new { payment_intent = intent }));
        var disputeId = JsonDocument.Parse(await opened.Content.ReadAsStringAsync()).RootElement.GetProperty("id")
            .GetString();
        var duringDispute = Stripe.PlatformBalance("usd").Available;
        var deliveries = await _receiver.TakeAsync(1);
        using var closed = await control.PostAsync($"_emulator/disputes/{disputeId}/close", Json(new { won = true }));
        deliveries.Add(await _receiver.NextAsync());

        Assert.True(opened.IsSuccessStatusCode && closed.IsSuccessStatusCode);
        Assert.Equal(["charge.dispute.created", "charge.dispute.closed"], deliveries.Select(d => d.Event.Type));
        var dispute = (global::Stripe.Dispute)deliveries[1].Event.Data.Object;
        Assert.Equal(("won", intent, 1_000L), (dispute.Status, dispute.PaymentIntentId, dispute.Amount));
        // Stripe's dispute fee goes with the withdrawal and stays when the dispute is won; both movements are listed.
        const long fee = StripeEmulator.DisputeFeeMinor;
        Assert.Equal((-fee, 1_000L - fee), (duringDispute, Stripe.PlatformBalance("usd").Available));
        Assert.Equal([(-1_000L, fee, -1_000L - fee), (1_000L, 0L, 1_000L)],
            dispute.BalanceTransactions.Select(t => (t.Amount, t.Fee, t.Net)));
    }

    /// <summary>
    /// A succeeded PaymentIntent is announced at once (payment_intent.succeeded): this endpoint
    /// answers its first delivery 500, so it comes twice, the retry accepted.
    /// </summary>
    private async Task PaymentAnnouncedAsync(string intent)
    {
        var announced = await _receiver.TakeAsync(2);
        Assert.All(announced, d => Assert.Equal(("payment_intent.succeeded", intent),
            (d.Event.Type, ((global::Stripe.PaymentIntent)d.Event.Data.Object).Id)));
    }

    private static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}

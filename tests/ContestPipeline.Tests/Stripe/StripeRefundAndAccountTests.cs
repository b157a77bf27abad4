using System.Net;
using ContestPipeline.Stripe;
using Xunit;

namespace ContestPipeline.Tests.Stripe;

public sealed class StripeRefundAndAccountTests : StripeEmulatorTest
{
    [Fact]
    public async Task A_payment_intent_reads_back_with_its_amount_status_and_metadata()
    {
        var id = Stripe.CreatePaymentIntent(2_500, "usd", metadata: Meta(("entry_id", "e-1")));
        var failed = Stripe.CreatePaymentIntent(2_500, "usd", "requires_payment_method");

        var intent = await Client.GetPaymentIntentAsync(id);
        var unpaid = await Client.GetPaymentIntentAsync(failed);
        var missing = await Assert.ThrowsAsync<StripeFailure>(() => Client.GetPaymentIntentAsync("pi_missing"));

        Assert.Equal((2_500L, 2_500L, "usd", StripeStatuses.Succeeded, "e-1"),
            (intent.Amount, intent.AmountReceived, intent.Currency, intent.Status, intent.Metadata["entry_id"]));
        Assert.Equal(("requires_payment_method", 0L, (string?)null),
            (unpaid.Status, unpaid.AmountReceived, unpaid.LatestChargeId));
        Assert.Equal((intent.LatestChargeId, 2_500L, 0L),
            (intent.LatestCharge?.Id, intent.LatestCharge?.Amount, intent.LatestCharge?.AmountRefunded));
        Assert.Equal((404, StripeErrorCodes.ResourceMissing, false),
            (missing.HttpStatus, missing.Code, missing.IsRetryable));
        Assert.Equal(2_500, Stripe.PlatformBalance("usd").Available);
    }

    [Theory]
    [InlineData(new long[] { 600, 400 }, null)]
    [InlineData(new long[] { 600, 401 }, StripeErrorCodes.AmountTooLarge)]
    [InlineData(new long[] { 1_001 }, StripeErrorCodes.AmountTooLarge)]
    [InlineData(new long[] { 0, 1 }, StripeErrorCodes.ChargeAlreadyRefunded)]
    [InlineData(new long[] { 1_000, 0 }, StripeErrorCodes.ChargeAlreadyRefunded)]
    public async Task A_refund_cannot_exceed_what_is_left_of_the_payment(long[] amounts, string? lastError)
    {
        // Amount 0 stands for "no amount": refund whatever is left.
        var intent = Stripe.CreatePaymentIntent(1_000, "usd");
        StripeFailure? error = null;
        for (var i = 0; i < amounts.Length; i++)
        {
            var refund = new RefundCreate(intent, amounts[i] == 0 ? null : amounts[i], Meta(("entry_id", "e-1")));
            try
            {
                await Client.CreateRefundAsync(refund, $"refund:e-1:{i}");
            }
            catch (StripeFailure e) when (i == amounts.Length - 1)
            {
                error = e;
            }
        }

        Assert.Equal(lastError, error?.Code);
        var refunded = Stripe.Ledger().Refunds.Sum(r => r.Amount);
        Assert.InRange(refunded, 0, 1_000);
        Assert.Equal(1_000 - refunded, Stripe.PlatformBalance("usd").Available);
    }

    [Fact]
    public async Task A_refund_reads_back_and_is_recorded_with_its_key()
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd");

        var refund =
            await Client.CreateRefundAsync(new RefundCreate(intent, 300, Meta(("entry_id", "e-1"))), "refund:e-1");
        var read = await Client.GetRefundAsync(refund.Id);

        Assert.Equal((300L, "usd", intent, "succeeded"),
            (read.Amount, read.Currency, read.PaymentIntentId, read.Status));
        var recorded = Assert.Single(Stripe.Ledger().Refunds);
        Assert.Equal((refund.Id, "refund:e-1", "e-1"),
            (recorded.Id, recorded.IdempotencyKey, recorded.Metadata["entry_id"]));
    }

    [Fact]
    public async Task A_payment_that_did_not_succeed_cannot_be_refunded()
    {
        var intent = Stripe.CreatePaymentIntent(1_000, "usd", "canceled");

        var error = await Assert.ThrowsAsync<StripeFailure>(() =>
            Client.CreateRefundAsync(new RefundCreate(intent), "refund:e-1"));

        Assert.Equal((400, "payment_intent"), (error.HttpStatus, error.Param));
        Assert.Empty(Stripe.Ledger().Refunds);
    }

    [Fact]
    public async Task A_new_express_account_can_receive_only_after_onboarding()
    {
        var created = await Client.CreateAccountAsync(
            new AccountCreate("US", "w@example.test", Meta(("user_id", "u-1"))), "account:u-1");
        var link = await Client.CreateAccountLinkAsync(
            new AccountLinkCreate(created.Id, "https://app.example.test/refresh", "https://app.example.test/done"),
            "link:u-1");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var visit = await browser.GetAsync(link.Url);
        var onboarded = await Client.GetAccountAsync(created.Id);

        Assert.Equal(("express", false, false, "inactive"),
            (created.Type, created.PayoutsEnabled, created.ChargesEnabled, created.Capabilities?.Transfers));
        Assert.NotEmpty(created.Requirements?.CurrentlyDue ?? []);
        Assert.Equal("u-1", created.Metadata["user_id"]);
        Assert.True(link.ExpiresAt > link.Created);
        Assert.Equal((HttpStatusCode.Redirect, "https://app.example.test/done"),
            (visit.StatusCode, visit.Headers.Location?.ToString()));
        Assert.Equal((true, true, "active"),
            (onboarded.PayoutsEnabled, onboarded.DetailsSubmitted, onboarded.Capabilities?.Transfers));
        Assert.Empty(onboarded.Requirements?.CurrentlyDue ?? ["missing"]);
        var updated = Assert.Single(Stripe.Events(), e => e.Type == "account.updated");
        Assert.Equal(created.Id, updated.Account);
    }
}

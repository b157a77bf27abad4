using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Stripe;
using Microsoft.Extensions.Logging.Abstractions;
using Stripe;
using Xunit;

namespace ContestPipeline.Tests.StripeEmulation;

/// <summary>
/// Stripe's processing fee on a payment, as Stripe keeps it: the balance gets the amount less the fee, the charge's
/// balance transaction shows amount, fee and net when expanded, and a refund takes the whole amount back.
/// </summary>
public sealed class StripeEmulatorPaymentFeeTests : StripeEmulatorTest
{
    protected override StripeEmulatorOptions EmulatorOptions() => new() { PaymentFee = ProcessingFee.StripeStandard };

    [Theory]
    [InlineData(1_000, 59)]     // 2.9 % of 10.00 is 29, and 30 more
    [InlineData(1_017, 59)]     // 29.493 rounds to 29
    [InlineData(1_018, 60)]     // 29.522 rounds to 30
    [InlineData(20, 20)]        // never more than the payment
    public void The_standard_fee_is_2_9_percent_rounded_half_up_plus_30_and_never_more_than_the_payment(long amount,
        long fee) =>
        Assert.Equal(fee, ProcessingFee.StripeStandard.Of(amount));

    [Fact]
    public async Task The_balance_gets_the_payment_less_its_fee_which_the_expanded_balance_transaction_shows()
    {
        var paid = Stripe.CreatePaymentIntent(1_000, "usd");
        var reader = new PaymentReader(Client, NullLogger<PaymentReader>.Instance) { WithFees = true };
        var plain = new PaymentReader(Client, NullLogger<PaymentReader>.Instance);

        var got = (await reader.GetAsync(paid, default)).Intent!;
        var listed = (await reader.ListAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1),
            new HashSet<string> { paid }, 1, default)).Intents[paid];
        var unexpanded = (await plain.GetAsync(paid, default)).Intent!;

        foreach (var intent in new[] { got, listed })
        {
            var transaction = intent.LatestCharge.BalanceTransaction;
            Assert.StartsWith("txn_", transaction.Id, StringComparison.Ordinal);
            Assert.Equal((1_000, 59, 941, "charge"),
                (transaction.Amount, transaction.Fee, transaction.Net, transaction.Type));
            Assert.Equal("stripe_fee", Assert.Single(transaction.FeeDetails).Type);
        }
        Assert.Null(unexpanded.LatestCharge.BalanceTransaction);
        Assert.Equal(got.LatestCharge.BalanceTransaction.Id, unexpanded.LatestCharge.BalanceTransactionId);
        Assert.Equal(941, Stripe.PlatformBalance("usd").Available);

        // Refunded in full: the customer gets 10.00 back and Stripe keeps its fee, so the balance is 0.59 short.
        await Client.CreateRefundAsync(new RefundCreate(paid), "refund-1");
        Assert.Equal(-59, Stripe.PlatformBalance("usd").Available);
    }
}

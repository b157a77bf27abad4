using ContestPipeline.Tests.Stripe;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Stripe;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// The ingestion worker as a real process against the Stripe-compatible server: a payment
/// whose amount was received but whose charge was then refunded (in part) or disputed is not
/// money the player paid in, so it makes no entry, and it is not refunded again.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ReversedPaymentEntryTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_payment_whose_charge_was_refunded_or_disputed_makes_no_entry_and_no_refund()
    {
        await using var run = await ContestRun.StartAsync(fixture, 7, "ingestion");
        var world = run.World;
        var lockAt = DateTimeOffset.UtcNow.AddMinutes(10);
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon", "kai");
        run.Define(Fitness("steps", lockAt, "walk"));

        var clean = world.Pay("steps", "ivy", Fee);
        var refunded = world.Pay("steps", "jon", Fee);
        var disputed = world.Pay("steps", "kai", Fee);
        await world.StripeClient.CreateRefundAsync(new RefundCreate(refunded, 100), "refund-part-of-jon");
        world.Stripe.CreateDispute(disputed);
        world.Submit(Entry("s-ivy", "steps", "ivy", clean));
        world.Submit(Entry("s-jon", "steps", "jon", refunded));
        world.Submit(Entry("s-kai", "steps", "kai", disputed));

        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle).Count(m =>
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType) == 3), "three submissions decided",
            TimeSpan.FromSeconds(45));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        Assert.Equal(clean, Assert.Single(lifecycle, m => m.Type == EntryAccepted.MessageType)
            .Body.GetProperty("paymentIntentId").GetString());
        var reasons = lifecycle.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("paymentIntentId").GetString()!,
                m => m.Body.GetProperty("reason").GetString()!);
        Assert.Contains("was refunded (100 of 1,000)", reasons[refunded], StringComparison.Ordinal);
        Assert.Contains("is disputed", reasons[disputed], StringComparison.Ordinal);
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
    }
}

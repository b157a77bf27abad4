using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion.Domain;
using ContestPipeline.Local.Processes;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using ContestPipeline.Webhooks.Extensions;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// When an entry counts as made, through the real ingestion worker, the local broker and the
/// Stripe-compatible server: by when the entry API accepted it, bounded by when its record
/// reached the broker, never by when Ingestion got to it. Payments are known from Stripe's
/// signed events through the webhook receiver (no GET); entries close only once every on-time
/// submission is decided, or at the undecided bound.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class IntakeTimingTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(1);

    private static Dictionary<string, string?> Settings(TimeSpan eventWait, TimeSpan bound) => new()
    {
        [IntakeOptions.Settings.LockSkewMs] = ((long)Skew.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        [IntakeOptions.Settings.PaymentEventWaitMs] = ((long)eventWait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        [IntakeOptions.Settings.UndecidedBoundMs] = ((long)bound.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<WebhookReceiver> ReceiverAsync(ContestRun run) =>
        await WebhookReceiver.StartAsync(new WebhookReceiverOptions
        {
            BootstrapServers = run.Iso.Broker.BootstrapServers,
            SigningSecrets = [run.Stripe.WebhookSecret],
            Signer = LocalSigningKeys.Keys.SignerFor(Producers.Webhooks),
        });

    [Fact]
    public async Task Made_before_lock_but_read_after_it_is_accepted_made_after_it_or_arriving_past_the_skew_is_refused()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await ReceiverAsync(run);
        run.Stripe.WebhookEndpoint = receiver.Url;
        // Events only: a GET would come after a minute, long after this test is over.
        var settings = Settings(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        run.StartWorker("ingestion", env: settings);
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon", "kai", "lee");
        run.Define(Fitness("steps", lockAt, "walk"));

        // Ingestion is down from before lock until after it: the on-time submissions wait on the broker.
        await run.StopWorkerAsync("ingestion");
        var ivy = world.Pay("steps", "ivy", Fee);
        var jon = world.Pay("steps", "jon", Fee);
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });
        world.Submit(Entry("s-jon", "steps", "jon", jon)); // no submittedAt: judged by its record's timestamp
        await Until(() => DateTimeOffset.UtcNow > lockAt);
        var kai = world.Pay("steps", "kai", Fee);
        world.Submit(Entry("s-kai", "steps", "kai", kai) with { SubmittedAt = DateTimeOffset.UtcNow });
        await Until(() => DateTimeOffset.UtcNow > lockAt + Skew);
        // Claims a time before lock, but its record reached the broker after lock + skew.
        var lee = world.Pay("steps", "lee", Fee);
        world.Submit(Entry("s-lee", "steps", "lee", lee) with { SubmittedAt = lockAt.AddMinutes(-1) });
        run.StartWorker("ingestion", env: settings);

        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle).Count(m =>
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType)), n => n == 4, "four submissions decided", TimeSpan.FromSeconds(60));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        Assert.Equal(new[] { ivy, jon }.Order(StringComparer.Ordinal), lifecycle.Where(m => m.Type == EntryAccepted.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal));
        var reasons = lifecycle.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("paymentIntentId").GetString()!, m => m.Body.GetProperty("reason").GetString()!);
        Assert.Contains("the submission was made at", reasons[kai], StringComparison.Ordinal);
        Assert.Contains("reached the broker at", reasons[lee], StringComparison.Ordinal);
        // Refused after lock with their money verified: each refunded, once.
        var refunds = world.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).ToList();
        Assert.Equal(new[] { kai, lee }.Order(StringComparer.Ordinal), refunds.Order(StringComparer.Ordinal));

        // Entries closed after both on-time entries, with exactly them.
        var closed = await Eventually.UntilAsync(() => world.Read(Topics.ContestLifecycle).FirstOrDefault(m => m.Type == EntriesClosed.MessageType),
            m => m is not null, "entries closed", TimeSpan.FromSeconds(60));
        Assert.Equal(2, closed!.Body.GetProperty("entryCount").GetInt32());
        // Verified from Stripe's events alone.
        Assert.DoesNotContain(run.Stripe.Requests(), r => r.Path.StartsWith("/v1/payment_intents", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_submission_still_undecided_at_the_bound_is_rejected_with_its_reason_and_entries_close()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        // No webhook endpoint: no events; and Stripe answers every GET of a PaymentIntent 503.
        run.Stripe.InjectFault(new StripeFault(StripeFaultKind.ServiceUnavailable, "GET", "/v1/payment_intents", Count: 100_000));
        run.StartWorker("ingestion", env: Settings(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(6)));
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy");
        run.Define(Fitness("steps", lockAt, "walk"));
        var ivy = world.Pay("steps", "ivy", Fee);
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });

        var rejected = await Eventually.UntilAsync(() => world.Read(Topics.ContestLifecycle).FirstOrDefault(m => m.Type == EntryRejected.MessageType),
            m => m is not null, "the undecided submission rejected at the bound", TimeSpan.FromSeconds(90));
        Assert.Contains("was not decided by lockAt", rejected!.Body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var lifecycle = world.Read(Topics.ContestLifecycle);
        var closed = Assert.Single(lifecycle, m => m.Type == EntriesClosed.MessageType);
        Assert.Equal(0, closed.Body.GetProperty("entryCount").GetInt32());
        // Published after the rejection, and not before the bound.
        Assert.True(lifecycle.IndexOf(closed) > lifecycle.IndexOf(rejected));
        Assert.True(DateTimeOffset.Parse(closed.Body.GetProperty("closedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= lockAt.AddSeconds(6));
        // Its money was never verified (Stripe could not be asked): nothing to refund on a guess.
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
        Assert.Contains(run.Stripe.Requests(), r => r.Path.StartsWith("/v1/payment_intents", StringComparison.Ordinal));
    }

    private static Task Until(Func<bool> condition) => Eventually.UntilAsync(condition, "the clock to pass a point", TimeSpan.FromSeconds(60));
}

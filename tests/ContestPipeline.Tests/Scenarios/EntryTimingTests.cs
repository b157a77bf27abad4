using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Ingestion;
using ContestPipeline.Ingestion.Contests;
using ContestPipeline.Ingestion.Payments;
using ContestPipeline.Plumbing;
using ContestPipeline.Local.Processes;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// When an entry counts as made, through the real ingestion worker, the local broker and the
/// Stripe-compatible server: by when the entry API accepted it, bounded by when its record
/// reached the broker, never by when Ingestion got to it. Payments are known from Stripe's
/// signed events through the webhook receiver; entries close only once every on-time submission
/// is decided, however long that takes, and a lookup Stripe cannot answer refuses nothing.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class EntryTimingTests(PipelineFixture fixture)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(1);

    private static Dictionary<string, string?> Settings(TimeSpan eventWait, TimeSpan? closeWaitAlert = null) => new()
    {
        [IngestionOptions.Settings.LockSkewMs] = Ms(Skew),
        [IngestionOptions.Settings.PaymentEventWaitMs] = Ms(eventWait),
        [IngestionOptions.Settings.CloseWaitAlertMs] = Ms(closeWaitAlert ?? TimeSpan.FromMinutes(2)),
    };

    private static string Ms(TimeSpan t) =>
        ((long)t.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
    [Fact]
    public async Task
        Made_before_lock_but_read_after_it_is_accepted_made_after_it_or_arriving_past_the_skew_is_refused()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        // Events and the lists they ask for only: a GET would come after a minute, long after this test is over.
        var settings = Settings(TimeSpan.FromMinutes(1));
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
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType)), n => n == 4, "four submissions decided",
            TimeSpan.FromSeconds(60));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        Assert.Equal(new[] { ivy, jon }.Order(StringComparer.Ordinal),
            lifecycle.Where(m => m.Type == EntryAccepted.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal));
        var reasons = lifecycle.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("paymentIntentId").GetString()!,
                m => m.Body.GetProperty("reason").GetString()!);
        Assert.Contains("the submission was made at", reasons[kai], StringComparison.Ordinal);
        Assert.Contains("reached the broker at", reasons[lee], StringComparison.Ordinal);
        // Refused after lock with their money verified: each refunded, once.
        var refunds = world.Read(Topics.PayoutsDue).Where(m => m.Type == RefundOrdered.MessageType)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()).ToList();
        Assert.Equal(new[] { kai, lee }.Order(StringComparer.Ordinal), refunds.Order(StringComparer.Ordinal));

        // Entries closed after both on-time entries, with exactly them.
        var closed = await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).FirstOrDefault(m => m.Type == EntriesClosed.MessageType),
            m => m is not null, "entries closed", TimeSpan.FromSeconds(60));
        Assert.Equal(2, closed!.Body.GetProperty("entryCount").GetInt32());
        // Each event only asked for its payment to be read: verified by Stripe's lists of PaymentIntents, never a
        // GET of each.
        Assert.Contains(run.Stripe.Requests(), r => r.Method == "GET" && r.Path == "/v1/payment_intents");
        Assert.DoesNotContain(run.Stripe.Requests(),
            r => r.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task
        A_payment_Stripe_cannot_tell_keeps_entries_open_with_alerts_and_refuses_nothing_until_Stripe_answers()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        // No webhook endpoint: no events; and Stripe answers every GET of a PaymentIntent 503.
        run.Stripe.InjectFault(
            new StripeFault(StripeFaultKind.ServiceUnavailable, "GET", "/v1/payment_intents", Count: 100_000));
        run.StartWorker("ingestion",
            env: Settings(TimeSpan.FromMilliseconds(200), closeWaitAlert: TimeSpan.FromSeconds(2)));
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy");
        run.Define(Fitness("steps", lockAt, "walk"));
        var ivy = world.Pay("steps", "ivy", Fee);
        world.Submit(Entry("s-ivy", "steps", "ivy", ivy) with { SubmittedAt = DateTimeOffset.UtcNow });

        // Past its closing time entries stay open for the undecided on-time submission, and an operator is told why.
        var lookups = await Eventually.UntilAsync(() => Alert(world, VerifyPaymentsJob.UnansweredAlert),
            a => a is not null, "the unanswered lookup alerted");
        Assert.Contains(ivy, lookups!.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        var waiting = await Eventually.UntilAsync(() => Alert(world, CloseEntriesJob.WaitingAlert), a => a is not null,
            "entries still open alerted",
            TimeSpan.FromSeconds(90));
        Assert.Contains("1 submission made on time is undecided: "
            + "1 with no word of their payment yet (1 looked up at Stripe without an answer)",
            waiting!.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Raised only while the contest waited: nothing was refused, rejected or closed before it.
        var lifecycle = world.Read(Topics.ContestLifecycle);
        Assert.DoesNotContain(lifecycle,
            m => m.Type is EntriesClosed.MessageType or EntryRejected.MessageType or EntryAccepted.MessageType);
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);

        // Stripe answers again: the submission made on time is accepted, long after lock, and only then do entries
        // close.
        run.Stripe.ClearFaults();
        var closed = await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).FirstOrDefault(m => m.Type == EntriesClosed.MessageType),
            m => m is not null, "entries closed once Stripe answered", TimeSpan.FromSeconds(90));
        Assert.Equal(1, closed!.Body.GetProperty("entryCount").GetInt32());
        lifecycle = world.Read(Topics.ContestLifecycle);
        var accepted = Assert.Single(lifecycle, m => m.Type == EntryAccepted.MessageType);
        Assert.Equal(ivy, accepted.Body.GetProperty("paymentIntentId").GetString());
        Assert.True(lifecycle.FindIndex(m => m.Type == EntriesClosed.MessageType)
            > lifecycle.FindIndex(m => m.Type == EntryAccepted.MessageType));
        Assert.DoesNotContain(lifecycle, m => m.Type == EntryRejected.MessageType);
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
    }

    [Fact]
    public async Task
        With_ingestion_throttled_every_submission_made_before_lock_is_accepted_however_late_it_is_decided()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        // Tiny batches everywhere, a payment-event consumer that waits 300 ms before each one,
        // one decision per round, and no GET to step in: every payment is known late, from the read its event asked
        // for.
        var settings = new Dictionary<string, string?>(Settings(TimeSpan.FromMinutes(5)))
        {
            [PipelineSettings.ConsumerBatchVariable] = "1",
            [Throttles.Variable] = "ingestion.stripe=300",
            [IngestionOptions.Settings.DecideBatchMax] = "1",
        };
        run.StartWorker("ingestion", env: settings);
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        string[] players = [.. Enumerable.Range(1, 12).Select(i => $"p{i:00}")];
        world.Schedule("walk", 1, lockAt.AddHours(1), players);
        run.Define(Fitness("steps", lockAt, "walk"));

        // Every player pays and submits before lock; Stripe's events are held until after lock + skew.
        run.Stripe.HoldWebhooks();
        var paid = players.ToDictionary(p => p, p => world.Pay("steps", p, Fee));
        foreach (var (player, pi) in paid)
            world.Submit(Entry("s-" + player, "steps", player, pi) with { SubmittedAt = DateTimeOffset.UtcNow });
        Assert.True(DateTimeOffset.UtcNow < lockAt,
            "every submission was made before lock; the machine was too slow for this test");
        await Until(() => DateTimeOffset.UtcNow > lockAt + Skew);
        run.Stripe.ReleaseWebhooks(WebhookOrder.Shuffled, seed: 21);

        var closed = await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).FirstOrDefault(m => m.Type == EntriesClosed.MessageType),
            m => m is not null, "entries closed", TimeSpan.FromSeconds(120));
        Assert.Equal(players.Length, closed!.Body.GetProperty("entryCount").GetInt32());
        var lifecycle = world.Read(Topics.ContestLifecycle);
        var accepted = lifecycle.Where(m => m.Type == EntryAccepted.MessageType).ToList();
        Assert.Equal(paid.Values.Order(StringComparer.Ordinal),
            accepted.Select(m => m.Body.GetProperty("paymentIntentId").GetString()).Order(StringComparer.Ordinal));
        // Decided after lock + skew, every one: the slow path was the one taken.
        Assert.All(accepted, m => Assert.True(DateTimeOffset.Parse(m.Body.GetProperty("acceptedAt").GetString()!,
            System.Globalization.CultureInfo.InvariantCulture) > lockAt + Skew));
        Assert.DoesNotContain(lifecycle, m => m.Type == EntryRejected.MessageType);
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
        // Each held event only asked for its payment to be read: lists of PaymentIntents, never a GET of each.
        Assert.DoesNotContain(run.Stripe.Requests(),
            r => r.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task
        Payments_whose_events_never_come_are_read_together_by_a_list_and_one_made_long_before_its_submission_by_a_GET()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        // No webhook endpoint: no event ever comes, so every payment is read from Stripe once its wait is over.
        run.StartWorker("ingestion", env: Settings(TimeSpan.FromMilliseconds(200)));
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        string[] players = [.. Enumerable.Range(1, 30).Select(i => $"p{i:00}")];
        world.Schedule("walk", 1, lockAt.AddHours(1), players);
        run.Define(Fitness("steps", lockAt, "walk"));
        var early = players[^1];
        var paid = players[..^1].ToDictionary(p => p, p => world.Pay("steps", p, Fee));
        foreach (var player in players[..^1])
            world.Submit(Entry("s-" + player, "steps", player, paid[player])
                with { SubmittedAt = DateTimeOffset.UtcNow });
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Count(m => m.Type == EntryAccepted.MessageType),
            n => n == players.Length - 1, "every paid submission accepted", TimeSpan.FromSeconds(90));
        // Then one paid (after those lists) whose submission says it was made before the list looks back from it:
        // no list of what was made before it shows its payment.
        paid[early] = world.Pay("steps", early, Fee);
        world.Submit(Entry("s-" + early, "steps", early, paid[early])
            with { SubmittedAt = DateTimeOffset.UtcNow - VerifyPaymentsJob.ListLookBack * 2 });
        await Eventually.UntilAsync(() =>
            world.Read(Topics.ContestLifecycle).Count(m => m.Type == EntryAccepted.MessageType),
            n => n == players.Length, "the last one accepted too", TimeSpan.FromSeconds(90));
        var reads = run.Stripe.Requests().Where(r =>
            r.Method == "GET" && r.Path.StartsWith("/v1/payment_intents", StringComparison.Ordinal)).ToList();
        var gets = reads.Where(r => r.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal))
            .Select(r => r.Path).ToList();
        // 30 payments: a few list pages (the rounds that found them due), and a GET only for the one no list showed.
        Assert.Equal(["/v1/payment_intents/" + paid[early]], gets.Distinct());
        Assert.InRange(reads.Count(r => r.Path == "/v1/payment_intents"), 1, players.Length / 3);
    }

    [Fact]
    public async Task
        A_players_limit_and_a_full_contests_last_places_go_by_when_submissions_were_made_not_payments_heard_of()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        run.StartWorker("ingestion", env: Settings(TimeSpan.FromMinutes(5)));
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        world.Schedule("walk", 1, lockAt.AddHours(1), "ann", "ben", "cat", "dan");
        run.Define(Fitness("one-each", lockAt, "walk"));
        run.Define(Fitness("two-places", lockAt, "walk") with { MaxEntries = 2 });

        // Every payment is heard of in the reverse of the order the submissions were made in.
        run.Stripe.HoldWebhooks();
        var first = world.Pay("one-each", "ann", Fee);
        var second = world.Pay("one-each", "ann", Fee);
        world.Submit(Entry("ann-1", "one-each", "ann", first) with { SubmittedAt = DateTimeOffset.UtcNow });
        world.Submit(Entry("ann-2", "one-each", "ann", second)
            with { SubmittedAt = DateTimeOffset.UtcNow.AddMilliseconds(1) });
        var places = new[] { "ben", "cat", "dan" }.Select((player, i) =>
        {
            var pi = world.Pay("two-places", player, Fee);
            world.Submit(Entry("tp-" + player, "two-places", player, pi)
                with { SubmittedAt = DateTimeOffset.UtcNow.AddMilliseconds(10 + i) });
            return pi;
        }).ToList();
        await Eventually.UntilAsync(() => run.Stripe.Events().Count(e => e.Type == "payment_intent.succeeded"),
            n => n == 5,
            "five payments made", TimeSpan.FromSeconds(30));
        run.Stripe.ReleaseWebhooks(WebhookOrder.Reversed);

        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle).Count(m =>
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType)), n => n == 5, "five submissions decided",
            TimeSpan.FromSeconds(60));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        string[] Accepted(string contest) =>
            [.. lifecycle.Where(m => m.Type == EntryAccepted.MessageType && m.Key == contest)
            .Select(m => m.Body.GetProperty("paymentIntentId").GetString()!).Order(StringComparer.Ordinal)];
        var refused = lifecycle.Where(m => m.Type == EntryRejected.MessageType)
            .ToDictionary(m => m.Body.GetProperty("paymentIntentId").GetString()!,
                m => m.Body.GetProperty("reason").GetString()!);
        Assert.Equal([first], Accepted("one-each"));
        Assert.Contains("already has 1 entry", refused[second], StringComparison.Ordinal);
        Assert.Equal(places.Take(2).Order(StringComparer.Ordinal), Accepted("two-places"));
        Assert.Contains("is full", refused[places[2]], StringComparison.Ordinal);
    }

    private static Local.Demo.OutsideWorld.Published? Alert(Local.Demo.OutsideWorld world, string code) =>
        world.Read(Topics.Alerts).Cast<Local.Demo.OutsideWorld.Published?>()
            .FirstOrDefault(m => m!.Body.GetProperty("code").GetString() == code);

    private static Task Until(Func<bool> condition) =>
        Eventually.UntilAsync(condition, "the clock to pass a point", TimeSpan.FromSeconds(60));
}

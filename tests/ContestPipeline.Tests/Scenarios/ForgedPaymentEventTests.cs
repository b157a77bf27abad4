using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Entries;
using ContestPipeline.Contracts.Lifecycle;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Deployment;
using ContestPipeline.Local.Processes;
using ContestPipeline.Plumbing;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;
using static ContestPipeline.Tests.Scenarios.ContestScenarios;

namespace ContestPipeline.Tests.Scenarios;

/// <summary>
/// A payment counts only from Stripe's own answer to Ingestion, through the real ingestion worker, the local broker,
/// the webhook receiver and the Stripe-compatible server: an event signed with the webhook receiver's key says only
/// "look now", and Ingestion holds a restricted key that can read payments and move no money.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class ForgedPaymentEventTests(PipelineFixture fixture)
{
    [Fact]
    public async Task A_signed_succeeded_event_for_an_unpaid_intent_is_refused_as_unpaid_and_a_genuine_one_is_accepted()
    {
        await using var run = await ContestRun.StartEmptyAsync(fixture);
        await using var receiver = await LocalWebhooks.StartAsync(run.Swaps);
        run.StartWorker("ingestion");
        var world = run.World;
        var lockAt = await run.LockTimeAsync();
        world.Schedule("walk", 1, lockAt.AddHours(1), "ivy", "jon");
        run.Define(Fitness("steps", lockAt, "walk"));

        // Stripe holds ivy's PaymentIntent as requires_payment_method; one with the receiver's key says it succeeded.
        var unpaid = world.Pay("steps", "ivy", Fee, status: "requires_payment_method");
        var created = run.Stripe.Now.ToUnixTimeSeconds();
        var forged = JsonNode.Parse($$"""
            {"id": "evt_forged_{{unpaid}}", "object": "event", "api_version": "{{StripeSettings.ApiVersion}}",
             "created": {{created}}, "livemode": false, "type": "payment_intent.succeeded", "pending_webhooks": 0,
             "data": {"object": {"id": "{{unpaid}}", "object": "payment_intent", "amount": {{Fee}},
               "amount_received": {{Fee}}, "currency": "usd", "status": "succeeded", "livemode": false,
               "created": {{created}},
               "latest_charge": {"id": "ch_forged", "object": "charge", "amount": {{Fee}},
                 "amount_captured": {{Fee}}, "amount_refunded": 0, "captured": true, "created": {{created}},
                 "currency": "usd", "disputed": false, "livemode": false, "paid": true,
                 "payment_intent": "{{unpaid}}", "refunded": false, "status": "succeeded", "metadata": {} },
               "metadata": {"contest_id": "steps", "player_id": "ivy"} } } }
            """)!;
        world.PublishAs(Producers.Webhooks, Topics.StripeEvents, unpaid, StripeEventReceived.MessageType,
            "evt_forged_" + unpaid, forged);
        var paid = world.Pay("steps", "jon", Fee);
        world.Submit(Entry("s-ivy", "steps", "ivy", unpaid) with { SubmittedAt = DateTimeOffset.UtcNow });
        world.Submit(Entry("s-jon", "steps", "jon", paid) with { SubmittedAt = DateTimeOffset.UtcNow });

        await Eventually.UntilAsync(() => Task.FromResult(world.Read(Topics.ContestLifecycle).Count(m =>
            m.Type is EntryAccepted.MessageType or EntryRejected.MessageType)), n => n == 2, "both submissions decided",
            TimeSpan.FromSeconds(60));
        var lifecycle = world.Read(Topics.ContestLifecycle);
        var accepted = Assert.Single(lifecycle, m => m.Type == EntryAccepted.MessageType);
        Assert.Equal(paid, accepted.Body.GetProperty("paymentIntentId").GetString());
        var rejected = Assert.Single(lifecycle, m => m.Type == EntryRejected.MessageType);
        Assert.Equal(unpaid, rejected.Body.GetProperty("paymentIntentId").GetString());
        Assert.Equal($"PaymentIntent {unpaid} status is 'requires_payment_method', not 'succeeded'",
            rejected.Body.GetProperty("reason").GetString());
        // Nothing was paid, so nothing is refunded; and no fee can be booked without an EntryAccepted.
        Assert.DoesNotContain(world.Read(Topics.PayoutsDue), m => m.Type == RefundOrdered.MessageType);
        // Ingestion asked Stripe, with its own restricted key, by a list of PaymentIntents.
        Assert.Contains(run.Stripe.Requests(), r => r.Method == "GET" && r.Path == "/v1/payment_intents"
            && r.Status == 200 && r.Parameters.Contains("expand", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("v1/refunds", "payment_intent=pi_any", StripePermissions.RefundWrite)]
    [InlineData("v1/transfers", "amount=100&currency=usd&destination=acct_any", StripePermissions.TransferWrite)]
    public async Task Ingestions_own_Stripe_key_is_refused_money_movement_naming_the_permission(string path,
        string form, string permission)
    {
        await using var stripe = await StripeEmulator.StartAsync();
        var run = Path.Combine(fixture.WorkDirectory, "ingestion-key-" + Guid.NewGuid().ToString("N")[..8]);
        var swaps = LocalSwaps.For(run, "127.0.0.1:9", null, fixture.PostgresConnectionString, stripe);
        // The key exactly as a local run gives it to Ingestion: its identity's secret file.
        var spec = LocalServices.Prepare(Services.Ingestion, swaps);
        var key = File.ReadAllText(spec.Environment[StripeServices.KeyVariable + Setting.FileSuffix]!).Trim();
        Assert.StartsWith("rk_test_", key, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = stripe.BaseUrl };
        using var post = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var refused = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(permission, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // What it needs it may do: list PaymentIntents with their charges.
        using var list = new HttpRequestMessage(HttpMethod.Get,
            "v1/payment_intents?limit=1&expand[]=data.latest_charge");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(list)).StatusCode);
        Directory.Delete(run, recursive: true);
    }
}

using System.Text;
using System.Text.Json.Nodes;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout;
using ContestPipeline.Payout.StripeEvents;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Stripe's events as a run (<see cref="StripeEventReceivedHandler.HandleBatchAsync"/>): entry fees' payments and
/// types Payout does not act on are recorded a run at a time, anything else on its own in its place. A run must leave
/// exactly what its events leave applied one at a time, as the consume loop applies them after a failed run: the same
/// payments, the same record and outcome of each event, the same messages with the same causes, in the same order.
/// The handler on Payout's schema in a database of its own.
/// </summary>
[Collection(PipelineCollectionB.Name)]
public sealed class StripeEventRunTests(PipelineFixture fixture)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private static IncomingMessage Event(string id, string type, JsonObject obj, long offset, bool live = false) =>
        new()
    {
        Topic = Topics.StripeEvents, Partition = 0, Offset = offset, RawKey = Encoding.UTF8.GetBytes(id), Headers = [],
        Value = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["id"] = id, ["object"] = "event", ["api_version"] = "2024-06-20",
            ["created"] = Now.ToUnixTimeSeconds() - offset,
            ["livemode"] = live, ["type"] = type, ["data"] = new JsonObject { ["object"] = obj },
        }.ToJsonString()),
        Envelope = new Envelope(id, StripeEventReceived.MessageType, 1, "stripe:" + id, "webhook:" + id, Now),
    };

    private static JsonObject Intent(string id, string? player) => new()
    {
        ["id"] = id, ["object"] = "payment_intent", ["amount"] = 1_000, ["currency"] = "usd", ["status"] = "succeeded",
        ["metadata"] = player is null ? new JsonObject() : new JsonObject { ["player_id"] = player },
    };

    private static IncomingMessage[] Rush() =>
    [
        Event("evt_ann", "payment_intent.succeeded", Intent("pi_ann", "ann"), 0),
        Event("evt_charge", "charge.succeeded", new JsonObject { ["id"] = "ch_ann", ["object"] = "charge" }, 1),
        Event("evt_ben", "payment_intent.succeeded", Intent("pi_ben", "ben"), 2),
        // The same payment in another event: known already, as it would be one at a time.
        Event("evt_ann_again", "payment_intent.succeeded", Intent("pi_ann", "ann"), 3),
        Event("evt_nobody", "payment_intent.succeeded", Intent("pi_nobody", null), 4),
        // Applied on its own, in its place: what came before it is recorded first.
        Event("evt_dispute", "charge.dispute.created", new JsonObject
        {
            ["id"] = "dp_ann", ["object"] = "dispute", ["amount"] = 1_000, ["currency"] = "usd",
            ["payment_intent"] = "pi_ann",
            ["status"] = "needs_response", ["reason"] = "fraudulent", ["metadata"] = new JsonObject(),
        }, 5),
        Event("evt_cat", "payment_intent.succeeded", Intent("pi_cat", "cat"), 6),
        Event("evt_account", "account.updated", new JsonObject { ["id"] = "acct_cat", ["object"] = "account" }, 7),
        Event("evt_dan", "payment_intent.succeeded", Intent("pi_dan", "dan"), 8),
    ];

    [Fact]
    public async Task A_run_leaves_what_its_events_leave_one_at_a_time()
    {
        await using var one = await RigAsync(fixture);
        await using var run = await RigAsync(fixture);
        var handler = StripeEventReceivedHandler.WithEveryFamily(DeploymentEnvironment.Test);
        // Known before either: the payment of a player seen in an earlier rush.
        await one.ApplyRunAsync(handler,
            [Event("evt_dan_before", "payment_intent.succeeded", Intent("pi_dan", "dan"), 9)]);
        await run.ApplyRunAsync(handler,
            [Event("evt_dan_before", "payment_intent.succeeded", Intent("pi_dan", "dan"), 9)]);

        var publishedOne = new List<string>();
        foreach (var message in Rush()) publishedOne.AddRange(await one.ApplyOneAsync(handler, message));
        var publishedRun = await run.ApplyRunAsync(handler, Rush());

        var outcomes = await run.RowsAsync("SELECT event_id || '|' || type || '|' || object_id || '|' || outcome " +
            "FROM payout.stripe_events ORDER BY event_id");
        Assert.Equal(await one.RowsAsync("SELECT event_id || '|' || type || '|' || object_id || '|' || outcome " +
            "FROM payout.stripe_events ORDER BY event_id"), outcomes);
        Assert.Contains("evt_ann|payment_intent.succeeded|pi_ann|entry fee of player ann", outcomes);
        Assert.Contains("evt_ann_again|payment_intent.succeeded|pi_ann|payment known already", outcomes);
        Assert.Contains("evt_nobody|payment_intent.succeeded|pi_nobody|a payment naming no player", outcomes);
        Assert.Contains("evt_dan|payment_intent.succeeded|pi_dan|payment known already", outcomes);
        Assert.Contains("evt_charge|charge.succeeded|ch_ann|not handled", outcomes);
        Assert.Contains("evt_dispute|charge.dispute.created|dp_ann|dispute read requested", outcomes);
        const string payments = "SELECT payment_intent_id || '|' || player_id FROM payout.payments ORDER BY 1";
        Assert.Equal(["pi_ann|ann", "pi_ben|ben", "pi_cat|cat", "pi_dan|dan"], await run.RowsAsync(payments));
        Assert.Equal(await one.RowsAsync(payments), await run.RowsAsync(payments));
        const string reads = "SELECT dispute_id || '|' || event_id FROM payout.dispute_reads ORDER BY 1";
        Assert.Equal(["dp_ann|evt_dispute"], await run.RowsAsync(reads));
        // Each StripeEventHandled caused by its own event, in the run's order, the dispute's in its place.
        Assert.Equal(9, publishedRun.Count);
        Assert.Equal(publishedOne, publishedRun);
        Assert.Equal($"{StripeEventHandled.MessageIdFor("evt_dispute")}|stripe:evt_dispute|evt_dispute",
            publishedRun[5]);
    }

    [Fact]
    public async Task A_run_with_an_event_of_the_other_mode_throws_so_the_loop_applies_it_one_at_a_time()
    {
        await using var rig = await RigAsync(fixture);
        IncomingMessage[] run = [.. Rush()[..3],
            Event("evt_live", "payment_intent.succeeded", Intent("pi_live", "eve"), 10, live: true)];

        await Assert.ThrowsAsync<MessageRejectedException>(() =>
            rig.ApplyRunAsync(StripeEventReceivedHandler.WithEveryFamily(DeploymentEnvironment.Test), run));
        // Rolled back, as the loop does: nothing of the run is recorded.
        Assert.Empty(await rig.RowsAsync("SELECT event_id FROM payout.stripe_events"));
        Assert.Empty(await rig.RowsAsync("SELECT payment_intent_id FROM payout.payments"));
    }

    private static Task<SchemaRig> RigAsync(PipelineFixture fixture) =>
        SchemaRig.StartAsync(fixture, PayoutWorker.Name, PayoutWorker.Definition.AllMigrations, new ManualClock(Now));
}

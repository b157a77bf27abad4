using ContestPipeline.Local.Demo;
using ContestPipeline.Tests.Stripe;
using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Contracts.Authentication;
using ContestPipeline.Contracts.Payouts;
using ContestPipeline.Contracts.Stripe;
using ContestPipeline.Payout;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using ContestPipeline.StripeEmulation;
using ContestPipeline.Tests.Infrastructure;

namespace ContestPipeline.Tests.Payout;

/// <summary>
/// Stripe's events in any order and any shape, through the webhook receiver to the payout
/// worker as a real process: transfer and dispute events are read back from Stripe before anything
/// is recorded (a body saying a dispute was won releases nothing Stripe does not show won);
/// disputes and reversals that arrive out of order; the legacy transfer events;
/// and events whose shape or mode the worker cannot accept, dead-lettered with the reason. The
/// cases with the default settings and no crash share one harness (<see cref="SharedHarness"/>),
/// reading freezes, events and dead letters by their own disputes and ids.
/// </summary>
[Collection(PipelineCollectionC.Name)]
public sealed class StripeEventOrderTests(PipelineFixture fixture, StripeEventOrderTests.SharedHarness shared)
    : IClassFixture<StripeEventOrderTests.SharedHarness>
{
    /// <summary>
    /// The payout worker with the default settings, shared by the cases that need nothing of their own.
    /// </summary>
    public sealed class SharedHarness : SharedStack<PayoutHarness>
    {
        protected override Task<PayoutHarness> StartAsync(PipelineFixture fixture) => PayoutHarness.StartAsync(fixture);
    }

    private static readonly Dictionary<string, string?> Review =
        new() { [PayoutOptions.Settings.ReviewThresholdMinor] = "50000" };

    private static string TransferEvent(string eventId, string transferId, long amount, string? destination,
        string payoutId) =>
        new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = eventId, ["object"] = "event", ["api_version"] = "2024-06-20",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["livemode"] = false, ["type"] = "transfer.created",
            ["data"] = new System.Text.Json.Nodes.JsonObject
            {
                ["object"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = transferId, ["object"] = "transfer", ["amount"] = amount, ["amount_reversed"] = 0,
                    ["currency"] = "usd",
                    ["destination"] = destination, ["reversed"] = false,
                    ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["payout_id"] = payoutId },
                },
            },
            ["request"] = new System.Text.Json.Nodes.JsonObject { ["id"] = null, ["idempotency_key"] = null },
        }.ToJsonString();

    [Fact]
    public async Task Transfer_events_are_read_back_from_Stripe_and_only_a_transfer_to_the_winners_account_is_recorded()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, Review);
        var account = await h.World.SignUpForPayoutsAsync("ana");
        await h.WaitForRecipientAsync("ana");
        var held = PayoutHarness.Order("e1", "ana", 60_000);
        var unclaimed = PayoutHarness.Order("e1", "nia", 700, rank: 2);   // nia has no account
        h.Publish(held);
        h.Publish(unclaimed);
        await h.WaitForStateAsync(held.PayoutId, "held:" + HoldKinds.Review);
        await h.WaitForStateAsync(unclaimed.PayoutId, PayoutStatusNames.AwaitingAccount);

        // A correctly signed event whose body describes a transfer Stripe does not have.
        await h.DeliverSignedAsync(
            TransferEvent("evt_stale_body", "tr_notonstripe000", 60_000, account, held.PayoutId));
        Assert.Contains("read: no such transfer on Stripe", await h.OutcomeOfAsync("evt_stale_body", "read:"),
            StringComparison.Ordinal);
        Assert.Contains(h.Stripe.Requests(), q => q is { Method: "GET", Path: "/v1/transfers/tr_notonstripe000" });

        // Real transfers naming the payouts: one of another amount, one to someone else's account
        // for the winner who has none yet. Neither is recorded as the prize's payment.
        var wrongAmount = await h.World.StripeClient.CreateTransferAsync(
            new TransferCreate(59_999, "usd", account, "e1", null,
            new Dictionary<string, string> { ["payout_id"] = held.PayoutId }), "outside-1");
        var stranger = await h.World.SignUpForPayoutsAsync("mallory");
        var elsewhere = await h.World.StripeClient.CreateTransferAsync(
            new TransferCreate(700, "usd", stranger, "e1", null,
            new Dictionary<string, string> { ["payout_id"] = unclaimed.PayoutId }), "outside-2");
        var created = h.Stripe.Events().Where(e => e.Type == "transfer.created")
            .ToDictionary(e => e.ObjectId, e => e.Id);
        Assert.Contains("not recorded as its payment", await h.OutcomeOfAsync(created[wrongAmount.Id], "read:"),
            StringComparison.Ordinal);
        Assert.Contains("not recorded as its payment", await h.OutcomeOfAsync(created[elsewhere.Id], "read:"),
            StringComparison.Ordinal);
        await h.WaitForAlertAsync("transfer_mismatch", "critical");

        Assert.Equal("held:" + HoldKinds.Review, await h.StateAsync(held.PayoutId));
        Assert.Equal(PayoutStatusNames.AwaitingAccount, await h.StateAsync(unclaimed.PayoutId));
        Assert.DoesNotContain(h.World.Read(Topics.PayoutsStatus), m => m.Type == PrizeTransferred.MessageType);
    }

    [Fact]
    public async Task A_dispute_closed_before_its_created_event_arrives_stays_closed_won_or_lost()
    {
        // Its own harness: two more disputes on the shared one would make a surge that halts payouts.
        await using var h = await PayoutHarness.StartAsync(fixture);
        await h.World.SignUpForPayoutsAsync("won");
        await h.World.SignUpForPayoutsAsync("lost");
        await h.WaitForRecipientAsync("won");
        await h.WaitForRecipientAsync("lost");
        var wonPayment = h.World.Pay("e2", "won", 1_000);
        var lostPayment = h.World.Pay("e2", "lost", 1_000);

        h.Stripe.HoldWebhooks();
        var wonDispute = h.Stripe.CreateDispute(wonPayment);
        h.Stripe.CloseDispute(wonDispute, won: true);
        var lostDispute = h.Stripe.CreateDispute(lostPayment);
        h.Stripe.CloseDispute(lostDispute, won: false);
        // Closed first, created last: as Stripe may deliver them. Each asks for its dispute to be read (or leaves
        // the read to a later event of the same dispute); the created event delivered last reopens nothing.
        h.Stripe.ReleaseWebhooks(WebhookOrder.Reversed);
        var disputeEvents = h.Stripe.Events().Where(e => e.Type.StartsWith("charge.dispute.", StringComparison.Ordinal)
            && (e.ObjectId == wonDispute || e.ObjectId == lostDispute)).Select(e => e.Id).ToArray();
        try
        {
            await h.WaitForAsync("every dispute event read", "SELECT count(*) = @n FROM payout.stripe_events WHERE " +
                "event_id = ANY(@disputeEvents) AND (outcome LIKE '%read: %' OR outcome LIKE '%asked again%')",
                new { n = (long)disputeEvents.Length, disputeEvents });
        }
        catch (Xunit.Sdk.XunitException)
        {
            throw new TimeoutException("dispute events not all read: " + await h.ScalarAsync<string>(
                "SELECT string_agg(event_id || ' ' || type || ' ' || object_id || ': ' || outcome, ' | ') " +
                "FROM payout.stripe_events") + " || reads: " + await h.ScalarAsync<string?>(
                "SELECT string_agg(dispute_id || ' ' || event_id || ' ' || requested_at || ' ' || " +
                "coalesce(claimed_until::text, '-'), ' | ') FROM payout.dispute_reads"));
        }
        var wonCreated = h.Stripe.Events()
            .Single(e => e.Type == "charge.dispute.created" && e.ObjectId == wonDispute).Id;
        Assert.DoesNotContain("frozen:", await h.OutcomeOfAsync(wonCreated), StringComparison.Ordinal);
        Assert.Contains(h.Stripe.Requests(), q => q.Method == "GET" && q.Path == "/v1/disputes/" + wonDispute);

        var wonOrder = PayoutHarness.Order("e2", "won", 800, paymentIntent: wonPayment);
        var lostOrder = PayoutHarness.Order("e2", "lost", 600, rank: 2, paymentIntent: lostPayment);
        h.Publish(wonOrder);
        h.Publish(lostOrder);
        await h.WaitForStateAsync(wonOrder.PayoutId, PayoutStatusNames.Paid);
        // Ordered after its fee's dispute was lost: withheld, never sent.
        await h.WaitForStateAsync(lostOrder.PayoutId, PayoutStatusNames.Rejected);
        Assert.Empty(h.TransfersOf(lostOrder.PayoutId));
        Assert.Equal(["lost", "won"],
            await h.ScalarAsync<string[]>("SELECT array_agg(status ORDER BY status) FROM payout.freezes " +
            "WHERE freeze_id = ANY(@disputes)", new { disputes = new[] { wonDispute, lostDispute } }));
        await h.WaitForAlertAsync("dispute_lost", "critical");
        // Published by the outbox after the rejection commits: waited for on the topic, not read once.
        var withheld = await Eventually.UntilAsync(() => h.World.Read(Topics.PayoutsStatus)
                .Where(m => m.Type == PayoutRejected.MessageType
                    && m.Body.GetProperty("payoutId").GetString() == lostOrder.PayoutId).ToList(),
            r => r.Count > 0, "the lost dispute's prize withheld on payouts.status");
        Assert.Single(withheld);
        Assert.Equal((lostOrder.PayoutId, 600L, PayoutRejected.AutomaticOperator),
            (withheld[0].Body.GetProperty("payoutId").GetString(),
                withheld[0].Body.GetProperty("amountMinor").GetInt64(),
                withheld[0].Body.GetProperty("operator").GetString()));
    }

    private static string DisputeEvent(string eventId, string type, string disputeId, string paymentIntent, long amount,
        string status) =>
        new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = eventId, ["object"] = "event", ["api_version"] = "2024-06-20",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["livemode"] = false, ["type"] = type,
            ["data"] = new System.Text.Json.Nodes.JsonObject
            {
                ["object"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = disputeId, ["object"] = "dispute", ["amount"] = amount, ["currency"] = "usd",
                    ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false,
                    ["payment_intent"] = paymentIntent,
                    ["reason"] = "fraudulent", ["status"] = status,
                    ["metadata"] = new System.Text.Json.Nodes.JsonObject(),
                },
            },
            ["request"] = new System.Text.Json.Nodes.JsonObject { ["id"] = null, ["idempotency_key"] = null },
        }.ToJsonString();

    [Fact]
    public async Task A_dispute_is_booked_as_Stripe_answers_it_and_a_body_saying_won_releases_nothing()
    {
        var h = await shared.GetAsync(fixture);
        await h.World.SignUpForPayoutsAsync("una");
        await h.World.SignUpForPayoutsAsync("val");
        await h.WaitForRecipientAsync("una");
        await h.WaitForRecipientAsync("val");
        var unaPayment = h.World.Pay("e6", "una", 1_000);
        var valPayment = h.World.Pay("e6", "val", 1_000);
        var unaDispute = h.Stripe.CreateDispute(unaPayment);
        var valDispute = h.Stripe.CreateDispute(valPayment);
        await h.WaitForAsync("both disputes frozen", "SELECT count(*) = 2 FROM payout.freezes WHERE status = 'open' " +
            "AND freeze_id = ANY(@disputes)", new { disputes = new[] { unaDispute, valDispute } });
        var una = PayoutHarness.Order("e6", "una", 800, paymentIntent: unaPayment);
        var val = PayoutHarness.Order("e6", "val", 600, rank: 2, paymentIntent: valPayment);
        h.Publish(una);
        h.Publish(val);
        await h.WaitForStateAsync(una.PayoutId, "held:" + HoldKinds.Frozen);
        await h.WaitForStateAsync(val.PayoutId, "held:" + HoldKinds.Frozen);

        // Signed as Stripe signs, naming the real dispute and payment, and saying the dispute was won: Stripe has it
        // open. Stripe's answer is booked; the disagreement is recorded and alerted.
        await h.DeliverSignedAsync(
            DisputeEvent("evt_body_won", "charge.dispute.closed", unaDispute, unaPayment, 1_000, "won"));
        Assert.Contains("the event's body disagrees with Stripe (status won, Stripe says needs_response)",
            await h.OutcomeOfAsync("evt_body_won", "read:"), StringComparison.Ordinal);
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.Alerts).Any(m =>
                m.Body.GetProperty("code").GetString() == "dispute_body_mismatch"
                && m.Body.GetProperty("severity").GetString() == "warning"
                && m.Body.GetProperty("message").GetString()!.Contains("evt_body_won", StringComparison.Ordinal))),
            "the body's disagreement alerted", TimeSpan.FromSeconds(30));
        Assert.Equal("held:" + HoldKinds.Frozen, await h.StateAsync(una.PayoutId));

        // Stripe closes it lost; the same body replayed under a new event id releases nothing either.
        h.Stripe.CloseDispute(unaDispute, won: false);
        await h.WaitForAsync("una's dispute lost",
            "SELECT EXISTS (SELECT 1 FROM payout.freezes WHERE freeze_id = @unaDispute " +
            "AND status = 'lost')", new { unaDispute });
        // Lost: una's prize is withheld (the seed's rule), and the replayed body changes nothing.
        await h.WaitForStateAsync(una.PayoutId, PayoutStatusNames.Rejected);
        await h.DeliverSignedAsync(
            DisputeEvent("evt_body_won_again", "charge.dispute.closed", unaDispute, unaPayment, 1_000, "won"));
        Assert.Contains("status won, Stripe says lost", await h.OutcomeOfAsync("evt_body_won_again", "read:"),
            StringComparison.Ordinal);

        // val's dispute won on Stripe: the genuine outcome releases the prize.
        h.Stripe.CloseDispute(valDispute, won: true);
        await h.WaitForStateAsync(val.PayoutId, PayoutStatusNames.Paid);
        Assert.Equal(PayoutStatusNames.Rejected, await h.StateAsync(una.PayoutId));
        Assert.Empty(h.TransfersOf(una.PayoutId));
        Assert.Contains(h.Stripe.Requests(), q => q.Method == "GET" && q.Path == "/v1/disputes/" + valDispute);
    }

    [Fact]
    public async Task A_reversal_that_arrives_before_the_transfer_is_recorded_is_booked_with_it()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, crashAt: CrashPoints.PayoutAfterStripeCall);
        await h.World.SignUpForPayoutsAsync("tia");
        await h.WaitForRecipientAsync("tia");
        var receiver = h.Stripe.WebhookEndpoint;
        h.Stripe.WebhookEndpoint = null;
        var order = PayoutHarness.Order("e3", "tia", 3_000);
        h.Publish(order);
        await Eventually.UntilAsync(() =>
            Task.FromResult(h.TransfersOf(order.PayoutId).Count == 1 && h.Run.WorkerExited("payout")),
            "the transfer made and the worker dead before recording it", TimeSpan.FromSeconds(45));
        Assert.Equal(PayoutStatusNames.Submitting, await h.StateAsync(order.PayoutId));

        // Part of it comes back; Stripe says so while the worker is down, and the worker's
        // own re-send cannot get an answer when it comes back.
        h.Stripe.WebhookEndpoint = receiver;
        var transfer = h.TransfersOf(order.PayoutId)[0];
        await h.World.StripeClient.CreateTransferReversalAsync(transfer.Id, new TransferReversalCreate(1_000),
            "reverse-tia");
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.ServerError, "POST", "/v1/transfers", Count: 10_000));
        h.StartWorker();

        var reversed = h.Stripe.Events().Single(e => e.Type == "transfer.reversed");
        Assert.Contains("read: reversed 1000", await h.OutcomeOfAsync(reversed.Id, "read:"), StringComparison.Ordinal);
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Failed);
        h.Stripe.ClearFaults();
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Any(m => m.Type == PrizeTransferReversed.MessageType)), "PrizeTransferReversed", TimeSpan.FromSeconds(30));
        var status = h.World.Read(Topics.PayoutsStatus);
        Assert.Equal(transfer.Id, Assert.Single(status, m => m.Type == PrizeTransferred.MessageType)
            .Body.GetProperty("transferId").GetString());
        Assert.Equal(1_000, Assert.Single(status, m => m.Type == PrizeTransferReversed.MessageType)
            .Body.GetProperty("amountMinor").GetInt64());
        Assert.Single(h.TransfersOf(order.PayoutId));
    }

    [Fact]
    public async Task A_transfer_announced_before_its_record_commits_is_answered_by_that_record_not_by_a_read()
    {
        // The read waits up to two minutes here, so only the record can answer it within the test.
        await using var h = await PayoutHarness.StartAsync(fixture,
            new Dictionary<string, string?> { [PayoutOptions.Settings.TransferReadWaitMs] = "120000" });
        await h.World.SignUpForPayoutsAsync("ray");
        await h.WaitForRecipientAsync("ray");
        // Stripe makes the transfer, and its transfer.created goes out, while the answer to the job's POST takes
        // 10 s: the event arrives with the payout still submitting.
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.AppliedThenDelayed, "POST", "/v1/transfers",
            Delay: TimeSpan.FromSeconds(10)));
        var order = PayoutHarness.Order("e5", "ray", 1_500);
        h.Publish(order);
        var created = await Eventually.UntilAsync(() =>
            h.Stripe.Events().FirstOrDefault(e => e.Type == "transfer.created"),
            e => e is not null, "the transfer made", TimeSpan.FromSeconds(45));
        Assert.Contains($"after payout {order.PayoutId}'s own record",
            await h.OutcomeOfAsync(created!.Id, "transfer read requested"), StringComparison.Ordinal);

        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        Assert.Contains(ContestPipeline.Payout.Transfers.TransferEvents.RecordedMeanwhile,
            await h.OutcomeOfAsync(created.Id, "not read"), StringComparison.Ordinal);
        Assert.Equal(0L, await h.ScalarAsync<long>("SELECT count(*) FROM payout.transfer_reads"));
        Assert.DoesNotContain(h.Stripe.Requests(), q => q.Method == "GET" && q.Path.StartsWith("/v1/transfers/",
            StringComparison.Ordinal));
        Assert.Equal(created.ObjectId, Assert.Single(h.TransfersOf(order.PayoutId)).Id);
    }

    [Fact]
    public async Task
        The_legacy_transfer_paid_records_the_payment_and_transfer_failed_books_back_only_what_Stripe_says_came_back()
    {
        await using var h = await PayoutHarness.StartAsync(fixture, crashAt: CrashPoints.PayoutAfterStripeCall);
        await h.World.SignUpForPayoutsAsync("lou");
        await h.WaitForRecipientAsync("lou");
        var receiver = h.Stripe.WebhookEndpoint;
        h.Stripe.WebhookEndpoint = null;
        var order = PayoutHarness.Order("e4", "lou", 2_200);
        h.Publish(order);
        await Eventually.UntilAsync(() =>
            Task.FromResult(h.TransfersOf(order.PayoutId).Count == 1 && h.Run.WorkerExited("payout")),
            "the transfer made and the worker dead before recording it", TimeSpan.FromSeconds(45));
        h.Stripe.InjectFault(new StripeFault(StripeFaultKind.ServerError, "POST", "/v1/transfers", Count: 10_000));
        h.StartWorker();
        h.Stripe.WebhookEndpoint = receiver;
        var transfer = h.TransfersOf(order.PayoutId)[0];

        var paid = h.Stripe.EmitEvent("transfer.paid", transfer.Id);
        Assert.Contains("read: recorded paid", await h.OutcomeOfAsync(paid, "read:"), StringComparison.Ordinal);
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Paid);
        h.Stripe.ClearFaults();

        // The event alone books nothing: Stripe, read again, shows nothing reversed.
        var failed = h.Stripe.EmitEvent("transfer.failed", transfer.Id);
        Assert.Contains("read: transfer.failed, but Stripe shows 0 of 2200 reversed: nothing booked",
            await h.OutcomeOfAsync(failed, "read:"), StringComparison.Ordinal);
        await h.WaitForAlertAsync("transfer_failed_unconfirmed", "critical");
        Assert.Equal(PayoutStatusNames.Paid, await h.StateAsync(order.PayoutId));
        Assert.DoesNotContain(h.World.Read(Topics.PayoutsStatus), m => m.Type == PrizeTransferReversed.MessageType);

        // Once Stripe shows money back (its transfer.reversed may be read first), a transfer.failed books that and no
        // more.
        await h.World.StripeClient.CreateTransferReversalAsync(transfer.Id, new(800), "reverse-lou");
        var reversedEvent = h.Stripe.Events().Last(e => e.Type == "transfer.reversed").Id;
        var failedAgain = h.Stripe.EmitEvent("transfer.failed", transfer.Id);
        // Both events ask for a read of the transfer; a request not yet read is taken over by the one
        // delivered after it, so the read answers whichever of the two Stripe delivered last (webhooks
        // may arrive in either order). Whichever it answered, it booked the 800 and no more.
        var outcomes = await Eventually.UntilAsync<string?>(() => h.ScalarAsync<string?>(
                "SELECT string_agg(outcome, ' | ') FROM payout.stripe_events WHERE event_id = ANY(@ids) "
                + "AND outcome LIKE '%read:%'",
                new { ids = new[] { reversedEvent, failedAgain } }), o => o is not null,
                "a read of the transfer after both events",
            TimeSpan.FromSeconds(60));
        Assert.Matches("read: (reversed 800|transfer.failed, but Stripe shows 800 of 2200 reversed)", outcomes);
        await h.WaitForStateAsync(order.PayoutId, PayoutStatusNames.Failed);
        await Eventually.UntilAsync(() => Task.FromResult(h.World.Read(Topics.PayoutsStatus)
            .Any(m => m.Type == PrizeTransferReversed.MessageType)), "PrizeTransferReversed", TimeSpan.FromSeconds(30));
        var back = Assert.Single(h.World.Read(Topics.PayoutsStatus), m => m.Type == PrizeTransferReversed.MessageType);
        Assert.Equal((800L, 800L),
            (back.Body.GetProperty("amountMinor").GetInt64(), back.Body.GetProperty("reversedTotalMinor").GetInt64()));
        Assert.Single(h.TransfersOf(order.PayoutId));
    }

    [Fact]
    public async Task
        Events_the_worker_cannot_accept_are_dead_lettered_with_the_reason_and_a_live_mode_event_critically()
    {
        var h = await shared.GetAsync(fixture);
        // Forwarded by the receiver (signed, with an id and a type); refused by the consumer.
        await h.DeliverSignedAsync("""
            {"id":"evt_no_mode","object":"event","type":"transfer.created","created":1790000000,
             "data":{"object":{"id":"tr_1"}}}
            """);
        await h.DeliverSignedAsync("""
            {"id":"evt_no_object_id","object":"event","type":"charge.dispute.created","created":1790000000,
             "livemode":false,"data":{"object":{"object":"dispute"}}}
            """);
        // A live-mode event on a test stack (say, a receiver misconfigured with a live secret forwarded it).
        var live = Encoding.UTF8.GetBytes("""
            {"id":"evt_live","object":"event","type":"transfer.created","created":1790000000,"livemode":true,
             "data":{"object":{"id":"tr_live"}}}
            """);
        var headers = OutgoingMessage.EnvelopeHeaders(
            new Envelope("evt_live", StripeEventReceived.MessageType, StripeEventReceived.SchemaVersion, "evt_live",
                null, DateTimeOffset.UtcNow));
        h.World.PublishRaw(Topics.StripeEvents, "tr_live", live,
            h.World.Sign(Producers.Webhooks, Topics.StripeEvents, Encoding.UTF8.GetBytes("tr_live"), live, headers));

        string[] refused = ["evt_no_mode", "evt_no_object_id", "evt_live"];
        List<OutsideWorld.Published> Dead() => [.. h.World.Read(Topics.DeadLetter(Topics.StripeEvents))
            .Where(m => refused.Contains(m.Headers[MessageHeaders.MessageId]))];
        await Eventually.UntilAsync(() => Task.FromResult(Dead().Count == 3), "three dead letters on stripe.events.dlq",
            TimeSpan.FromSeconds(45));
        var reasons = Dead()
            .ToDictionary(m => m.Headers[MessageHeaders.MessageId], m => m.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("livemode", reasons["evt_no_mode"], StringComparison.Ordinal);
        Assert.Contains("data.object has no id", reasons["evt_no_object_id"], StringComparison.Ordinal);
        Assert.Contains("live-mode and this worker runs in staging", reasons["evt_live"], StringComparison.Ordinal);
        Assert.Contains(h.World.Read(Topics.Alerts), m => m.Body.GetProperty("code").GetString() == "dead_letter"
            && m.Body.GetProperty("severity").GetString() == "critical"
            && m.Body.GetProperty("message").GetString()!.Contains("evt_live", StringComparison.Ordinal));
    }
}

using System.Text;
using ContestPipeline.Contracts;
using ContestPipeline.Plumbing;
using ContestPipeline.Plumbing.Messaging;
using ContestPipeline.Stripe;
using Stripe;

namespace ContestPipeline.Tests.Stripe;

/// <summary>
/// Events as every reader of stripe.events reads them: Stripe.net's Event, in the API version it was
/// sent in. Events of the version the pipeline pinned before Stripe.net's (2024-06-20) may still wait
/// on the topic or in its dead letters, so they read exactly as before, typed by their object.
/// </summary>
public sealed class StripeEventReaderTests
{
    private static string Event(string type, string obj, string version = "2024-06-20", string extra = "") => $$$"""
        {"id":"evt_1","object":"event","api_version":"{{{version}}}","created":1718900000,"livemode":false,
         "pending_webhooks":1,"request":{"id":"req_1","idempotency_key":"payout-7"},"type":"{{{type}}}"{{{extra}}},
         "data":{"object":{{{obj}}}}}
        """;

    private static Event Read(string json) =>
        StripeEventReader.TryParse(Encoding.UTF8.GetBytes(json), out var e, out var problem) ? e
            : throw new InvalidOperationException(problem);

    [Fact]
    public void A_transfer_event_of_the_old_version_reads_its_transfer()
    {
        var e = Read(Event("transfer.created", """
            {"id":"tr_1","object":"transfer","amount":1900,"amount_reversed":0,"balance_transaction":"txn_1",
             "created":1718900000,"currency":"usd","description":"Prize po-7","destination":"acct_9",
             "destination_payment":"py_1","livemode":false,
             "metadata":{"payout_id":"po-7"},"reversals":{"object":"list","data":[],"has_more":false,"total_count":0,
             "url":"/v1/transfers/tr_1/reversals"},"reversed":false,"source_transaction":null,"source_type":"card",
             "transfer_group":"c-1"}
            """));

        var t = Assert.IsType<Transfer>(e.Data.Object);
        Assert.Equal(("evt_1", "2024-06-20", "payout-7", false),
            (e.Id, e.ApiVersion, e.Request.IdempotencyKey, e.Livemode));
        Assert.Equal(("tr_1", 1_900L, 0L, "usd", "acct_9", "po-7", "c-1"),
            (t.Id, t.Amount, t.AmountReversed, t.Currency, t.DestinationId, t.Metadata["payout_id"], t.TransferGroup));
        Assert.True(StripeAnswers.Has(t, "reversed", System.Text.Json.JsonValueKind.False));
        Assert.Equal("tr_1", StripeEventReader.ObjectId(e));
    }

    [Fact]
    public void A_payment_intent_event_of_the_old_version_reads_its_amounts_status_metadata_and_charge()
    {
        var e = Read(Event("payment_intent.succeeded", """
            {"id":"pi_1","object":"payment_intent","amount":2500,"amount_capturable":0,"amount_received":2500,
             "capture_method":"automatic","created":1718900000,"currency":"usd","description":null,
             "latest_charge":"ch_1","livemode":false,
             "metadata":{"contest_id":"c-1","player_id":"p-1"},"status":"succeeded"}
            """));

        var pi = Assert.IsType<PaymentIntent>(e.Data.Object);
        Assert.Equal(("pi_1", 2_500L, 2_500L, "usd", "succeeded", "ch_1", "c-1"),
            (pi.Id, pi.Amount, pi.AmountReceived, pi.Currency, pi.Status, pi.LatestChargeId,
                pi.Metadata["contest_id"]));
        Assert.Null(StripeAnswers.Problem(pi));
    }

    [Theory]
    [InlineData("charge.refunded", """
        {"id":"ch_1","object":"charge","amount":2500,"amount_refunded":400,"currency":"usd","payment_intent":"pi_1",
         "refunded":false,"disputed":false,"metadata":{}}
        """)]
    [InlineData("charge.dispute.created", """
        {"id":"dp_1","object":"dispute","amount":2500,"charge":"ch_1","currency":"usd","payment_intent":"pi_1",
         "reason":"fraudulent","status":"needs_response","metadata":{}}
        """)]
    [InlineData("payout.failed", """
        {"id":"po_1","object":"payout","amount":700,"currency":"usd","failure_code":"account_closed","status":"failed",
         "metadata":{}}
        """)]
    [InlineData("account.updated", """
        {"id":"acct_9","object":"account","capabilities":{"transfers":"active"},"created":1718900000,
         "metadata":{"player_id":"p-1"},"type":"express"}
        """)]
    public void Every_family_of_event_the_pipeline_reads_reads_in_the_old_version_and_in_stripe_nets(string type,
        string obj)
    {
        foreach (var version in new[] { "2024-06-20", StripeSettings.ApiVersion })
        {
            var e = Read(Event(type, obj, version,
                type.StartsWith("payout.", StringComparison.Ordinal) ? ",\"account\":\"acct_9\"" : ""));
            object read = e.Data.Object switch
            {
                Charge c => (c.PaymentIntentId, c.AmountRefunded),
                Dispute d => (d.PaymentIntentId, d.ChargeId, d.Reason),
                global::Stripe.Payout p => (p.Id, p.Amount, p.FailureCode, e.Account),
                global::Stripe.Account a => (a.Id, a.Capabilities.Transfers, a.Metadata["player_id"]),
                var other => other?.GetType().Name ?? "nothing",
            };
            object expected = type switch
            {
                "charge.refunded" => ("pi_1", 400L),
                "charge.dispute.created" => ("pi_1", "ch_1", "fraudulent"),
                "payout.failed" => ("po_1", 700L, "account_closed", "acct_9"),
                _ => ("acct_9", "active", "p-1"),
            };
            Assert.Equal((version, expected), (e.ApiVersion, read));
        }
    }

    [Theory]
    [InlineData("""{"object":"event","type":"x.y","created":1,"livemode":false,"data":{"object":{}}}""", "$.id")]
    [InlineData("""{"id":"evt_1","created":1,"livemode":false,"data":{"object":{}}}""", "$.type")]
    [InlineData("""{"id":"evt_1","type":"x.y","created":"yesterday","livemode":false,"data":{"object":{}}}""",
        "$.created")]
    [InlineData("""{"id":"evt_1","type":"x.y","created":1,"data":{"object":{}}}""", "$.livemode")]
    [InlineData("""{"id":"evt_1","type":"x.y","created":1,"livemode":false,"data":"elsewhere"}""", "$.data.object")]
    [InlineData("""not json""", "not JSON")]
    public void An_event_without_what_the_pipeline_relies_on_is_rejected_naming_it(string json, string named)
    {
        var message = new IncomingMessage
        {
            Topic = "stripe.events", Partition = 0, Offset = 0, RawKey = null,
            Value = Encoding.UTF8.GetBytes(json), Headers = [],
            Envelope = new Envelope("evt_1", "StripeEventReceived", 1, "evt_1", null, DateTimeOffset.UnixEpoch),
        };

        var rejected = Assert.Throws<MessageRejectedException>(() => StripeEventReader.Read(message));

        Assert.Contains(named, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_of_the_other_mode_is_rejected()
    {
        var e = Read(Event("transfer.created", """{"id":"tr_1","object":"transfer"}""")
            .Replace("\"livemode\":false", "\"livemode\":true",
            StringComparison.Ordinal));

        Assert.Throws<MessageRejectedException>(() =>
            StripeEventReader.CheckMode(e, DeploymentEnvironment.Development));
    }
}
